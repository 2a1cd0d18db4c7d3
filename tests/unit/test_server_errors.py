"""JSON answers for gunicorn's own refusals (``engage.web.server_errors``)."""
import json
import unicodedata

from engage.web.server_errors import SERVER_ERRORS, server_error_response


def _parse(raw: bytes):
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), json.loads(body), body


def test_each_status_gunicorn_sends_has_its_code_and_a_vietnamese_message():
    for status, (code, message) in SERVER_ERRORS.items():
        line, headers, body, raw = _parse(server_error_response(status, "Some Reason"))
        assert line == f"HTTP/1.1 {status} Some Reason"
        assert body["error"]["code"] == code and body["error"]["message"] == message
        assert unicodedata.is_normalized("NFC", message) and message.endswith(".")
        assert int(headers["Content-Length"]) == len(raw) and raw.isascii()
        assert headers["Connection"] == "close" and headers["X-Frame-Options"] == "DENY"


def test_an_unknown_status_falls_back_by_class_and_ids_differ():
    _, _, client, _ = _parse(server_error_response(418, "Teapot"))
    _, _, server, _ = _parse(server_error_response(502, "Bad Gateway"))
    assert client["error"]["code"] == "request_malformed"
    assert server["error"]["code"] == "internal_error"
    assert client["error"]["request_id"] != server["error"]["request_id"]
