"""Embedding rules: exact allowed origins, a site's theme (validated CSS variables), webhook
signatures and retry backoff.  Pure Python: the web layer and the services apply them."""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from engage.domain.errors import InvalidInput

# An origin as browsers send it in the Origin header (RFC 6454 §6.1): scheme "://" host
# [":" port], lower-case, no path, no trailing slash.  "null" (sandboxed frames, file://) never
# matches.  Hosts are DNS names or IP literals; ports 1–65535.
_ORIGIN_RE = re.compile(
    r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
    r"|\[[0-9a-f:.]+\])(?::(?P<port>\d{1,5}))?$")
MAX_ORIGINS = 20


def validate_origins(origins: Iterable[str]) -> list[str]:
    """Return the origins, de-duplicated in order, if each is an exact ``scheme://host[:port]``.

    Compared later by plain string equality with the browser's ``Origin`` header, so a value
    must already be in the form the browser sends: lower-case, http or https, no path, no
    default port written out (a browser never sends ``https://a.vn:443``).

    :raises InvalidInput: ``origin_invalid`` (with ``value``), ``too_many_origins`` (> 20).
    """
    result = list(dict.fromkeys(origins))
    if len(result) > MAX_ORIGINS:
        raise InvalidInput("too_many_origins", field="origins", limit=MAX_ORIGINS)
    for origin in result:
        match = _ORIGIN_RE.fullmatch(origin) if isinstance(origin, str) else None
        port = match.group("port") if match else None
        default = {"http": "80", "https": "443"}[origin.split(":", 1)[0]] if match else None
        if (match is None or (port is not None and not 1 <= int(port) <= 65535)
                or port == default or (port or "").startswith("0")):
            raise InvalidInput("origin_invalid", field="origins", value=str(origin)[:200])
    return result


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """Exact match of a request's ``Origin`` against a site's list: no patterns, no ``null``."""
    return bool(origin) and origin != "null" and origin in allowed


# --- Theme ------------------------------------------------------------------------------------
# The variables widget.css reads; a site sets any of them.  Values are validated, never copied
# raw into CSS: colours as #rgb or #rrggbb, a font family from a fixed list of stacks, a radius
# in whole pixels 0–24.
_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
COLOUR_KEYS = ("accent", "text", "muted", "border", "background")
FONTS = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
    "serif": 'Georgia, "Times New Roman", Times, serif',
    "sans": 'Arial, "Helvetica Neue", Helvetica, sans-serif',
    "roboto": 'Roboto, Arial, sans-serif',
    "noto-sans": '"Noto Sans", Arial, sans-serif',
    "noto-serif": '"Noto Serif", Georgia, serif',
    "merriweather": 'Merriweather, Georgia, serif',
}
RADIUS_MAX_PX = 24
THEME_KEYS = (*COLOUR_KEYS, "font", "radius")


def validate_theme(theme: Mapping[str, object]) -> dict[str, object]:
    """Return a clean copy of a site theme.

    :param theme: any of ``accent text muted border background`` (``"#rgb"`` / ``"#rrggbb"``),
        ``font`` (a key of :data:`FONTS`), ``radius`` (int pixels, 0–24).
    :raises InvalidInput: ``theme_invalid`` with the offending ``key``.
    """
    clean: dict[str, object] = {}
    for key, value in theme.items():
        if key in COLOUR_KEYS and isinstance(value, str) and _COLOUR_RE.fullmatch(value):
            clean[key] = value.lower()
        elif key == "font" and isinstance(value, str) and value in FONTS:
            clean[key] = value
        elif (key == "radius" and isinstance(value, int) and not isinstance(value, bool)
              and 0 <= value <= RADIUS_MAX_PX):
            clean[key] = value
        else:
            raise InvalidInput("theme_invalid", field="theme", key=str(key)[:40])
    return clean


def theme_css(theme: Mapping[str, object]) -> str:
    """The ``:root { --engage-…: … }`` rule for a theme already passed through
    :func:`validate_theme` (empty string for an empty theme)."""
    declarations = [f"--engage-{key}: {theme[key]};" for key in COLOUR_KEYS if key in theme]
    if "font" in theme:
        declarations.append(f"--engage-font: {FONTS[str(theme['font'])]};")
    if "radius" in theme:
        declarations.append(f"--engage-radius: {theme['radius']}px;")
    return ":root { " + " ".join(declarations) + " }\n" if declarations else ""


# --- Webhooks ---------------------------------------------------------------------------------
def sign_webhook(secret: bytes, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 (RFC 2104) over ``"<timestamp>." + body``.

    Signing the timestamp with the body lets a receiver refuse replays of old deliveries (the
    scheme Stripe and the Standard Webhooks spec use).  :param timestamp: Unix seconds.
    """
    mac = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_secret(key: bytes, site_id: int, version: int) -> str:
    """A site's webhook signing secret, derived from the server key (never stored): rotating
    it is bumping ``version``.

    :returns: 64 hex digits; the HMAC key is this text's ASCII bytes, as receivers of other
        webhook systems (GitHub, Stripe) use the secret string they were shown.
    """
    return hmac.new(key, f"webhook:{site_id}:{version}".encode(), hashlib.sha256).hexdigest()


def backoff_seconds(attempt: int, base_s: int, max_s: int) -> int:
    """Delay before retry number ``attempt`` (1 = the first retry): ``base·2^(attempt−1)``,
    capped at ``max_s`` (exponential backoff, without jitter: deliveries are already spread by
    when their events happened)."""
    return min(max_s, base_s * 2 ** max(0, attempt - 1))


def hash_api_key(key: str) -> str:
    """SHA-256 hex of a site API key.  The keys are 256-bit random strings, so a fast hash is
    enough (no password stretching is needed for a secret that cannot be guessed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# --- Articles named by URL (data-engage-url) ----------------------------------------------------
# Query parameters that only track campaigns or clicks; dropping them keeps one article in one
# thread however it was shared (Google Analytics utm_*, Facebook fbclid, Google Ads gclid,
# Mailchimp mc_*, Zalo zarsrc).
TRACKING_PARAMS = ("fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "zarsrc", "_ga")


def normalise_article_url(url: str) -> str:
    """The canonical form of an article URL (DESIGN.md §3): scheme and host lower-case, no
    default port, no fragment, no tracking parameters, no trailing slash (except the root).

    :raises InvalidInput: ``article_url_invalid`` — not an absolute http(s) URL, or longer
        than 2000 characters.
    """
    if not isinstance(url, str) or len(url) > 2000 or any(c.isspace() for c in url):
        raise InvalidInput("article_url_invalid", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("article_url_invalid", field="url") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise InvalidInput("article_url_invalid", field="url")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def origin_of(normalised_url: str) -> str:
    """``scheme://host[:port]`` of a URL from :func:`normalise_article_url`."""
    scheme, rest = normalised_url.split("://", 1)
    return scheme + "://" + rest.split("/", 1)[0]


def url_article_key(normalised_url: str) -> str:
    """The article key of an article named only by its URL: ``u-`` and the first 40 hex digits
    (160 bits) of the SHA-256 of the normalised URL — fits the key rules, never collides in
    practice, and a CMS can compute it to register the same article."""
    return "u-" + hashlib.sha256(normalised_url.encode("utf-8")).hexdigest()[:40]
