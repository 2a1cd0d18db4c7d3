"""schemathesis hooks for .ci/fuzz-api: each reader token comes from the API under test.

``DELETE /api/v1/reader`` erases the reader and revokes its token, so a fixed token would turn
every later reader call into a 401; this provider issues a fresh token (``POST /readers``)
every few seconds, and again whenever a call answers 401 (schemathesis' ``retry_on``).
"""
import json
import os
import urllib.request

import schemathesis

BASE = os.environ["FUZZ_BASE_URL"]


@schemathesis.auth(refresh_interval=5, retry_on=[401])
class ReaderToken:
    """A new signed reader token from the server under test."""

    def get(self, case, context):
        request = urllib.request.Request(BASE + "/api/v1/readers", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["X-Engage-Reader"] = data
