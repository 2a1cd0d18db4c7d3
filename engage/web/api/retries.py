"""Comment POST retries in the web layer: the ``Idempotency-Key`` header and the request digest."""
from __future__ import annotations

import hashlib
import json
import re

from flask import current_app, request
from pydantic import BaseModel

from engage.services.idempotency import RetryGuard
from engage.web.errors import RequestError

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1–255 visible ASCII characters (a UUID is the usual choice).
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}\Z")


def retry_guard(body: BaseModel, site: str, article: str) -> RetryGuard:
    """The retry protection for this comment POST: its ``Idempotency-Key`` (if sent), a digest
    of what was asked — method, site, article and the validated body in canonical form, so a
    retry that reorders keys or spaces is still "the same request" — and the config windows.

    :raises RequestError: 400 ``idempotency_key_invalid``.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not _KEY_RE.match(key):
        raise RequestError(400, "idempotency_key_invalid")
    canonical = json.dumps([request.method, site, article, body.model_dump(mode="json")],
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    cfg = current_app.config
    return RetryGuard(key, hashlib.sha256(canonical.encode()).hexdigest(),
                      cfg["IDEMPOTENCY_KEY_TTL_S"], cfg["COMMENT_DUPLICATE_WINDOW_S"])


def first_answers(response) -> bool:
    """Flask-Limiter ``deduct_when`` for comment posts: accepted writes use up quota, replays
    of an earlier answer do not (a retry after a lost answer should not cost twice)."""
    return response.status_code < 400 and REPLAYED_HEADER not in response.headers
