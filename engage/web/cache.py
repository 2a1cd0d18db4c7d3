"""Conditional GET and a small per-process cache of public read bodies, keyed by version."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from flask import Response, current_app, request


class ReadCache:
    """A thread-safe LRU of response bodies (or of any value: the counts keep ``(body, ETag)``).

    Keys embed the article's version, which every write that changes a public read bumps in the
    same transaction, so an entry can never be served stale: a new version is a new key, and the
    old one ages out.  Each process keeps its own; nothing is shared, nothing to invalidate.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        """The cached body, marking it recently used, or ``None``."""
        with self._lock:
            body = self._data.get(key)
            if body is not None:
                self._data.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        """Store a body, evicting the least recently used beyond ``maxsize``."""
        if self.maxsize <= 0:
            return
        with self._lock:
            self._data[key] = body
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)


def etag_for(*parts: object) -> str:
    """An opaque strong validator from the parts that determine a response."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()


def public_cache_headers(response: Response) -> Response:
    """``Cache-Control: public, max-age=…, stale-while-revalidate=…`` from config."""
    cfg = current_app.config
    response.headers["Cache-Control"] = (
        f"public, max-age={cfg['PUBLIC_MAX_AGE_S']}, "
        f"stale-while-revalidate={cfg['PUBLIC_STALE_WHILE_REVALIDATE_S']}")
    return response


def not_modified(etag: str) -> Response | None:
    """A 304 when the request's ``If-None-Match`` already holds ``etag``, else ``None``."""
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        return public_cache_headers(response)
    return None


def json_body_response(body: bytes, etag: str) -> Response:
    """A 200 JSON response for a prepared body with its ETag and public cache headers."""
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    return public_cache_headers(response)
