"""Article keys and times from what import sources give."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

# The article key language of engage.services.sites.ARTICLE_KEY_RE (kept in step by a test).
KEY_RE = re.compile(r"^(?=.*[A-Za-z0-9])[A-Za-z0-9._~:@!$&'()*+,;=%-]{1,200}\Z")
_SAFE = "._~:@!$&'()*+,;=-"


def article_key_from(identifier: str, url: str) -> tuple[str | None, str]:
    """The Engage key of an imported article: the source's identifier (the CMS id the embed
    gives) when it is a valid key, else the URL's path, percent-encoded ("/" → "%2F").

    :returns: ``(key, "")`` or ``(None, reason)``.
    """
    if identifier and KEY_RE.match(identifier):
        return identifier, ""
    if identifier:
        encoded = quote(identifier, safe=_SAFE)
        if KEY_RE.match(encoded):
            return encoded, ""
    path = urlsplit(url).path.strip("/") if url else ""
    encoded = quote(path, safe=_SAFE)
    if path and KEY_RE.match(encoded):
        return encoded, ""
    return None, "article_key_invalid"


def parse_time(raw: str) -> datetime | None:
    """ISO 8601 or ``YYYY-MM-DD HH:MM:SS`` (WordPress GMT fields) as aware UTC; naive times
    are taken as UTC; ``None`` for empty or WordPress' ``0000-00-00 00:00:00``."""
    raw = raw.strip()
    if not raw or raw.startswith("0000"):
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else \
        value.astimezone(timezone.utc)
