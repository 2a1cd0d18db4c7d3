"""JSON answers for the errors gunicorn sends itself, before a request reaches Flask.

gunicorn refuses a request it cannot parse (a bad request line or header, a request line over
``limit_request_line``, too many or too large headers) with its own HTML page
(``gunicorn.util.write_error``).  Readers' widgets and news sites' integrations read JSON, so
``config/gunicorn.conf.py`` replaces that writer with :func:`write_json_error`: the same status,
the body shape of every other Engage error (``{"error": {"code", "message", "request_id"}}``,
``engage.web.errors.error_response``) and the same security headers.  No request was parsed, so
the message is in the default locale (Vietnamese), and the client's input is not echoed.
"""
from __future__ import annotations

import json

from engage.web.errors import MESSAGES
from engage.web.security import new_request_id, security_headers

# status -> (code, message); gunicorn's statuses are those of ``Worker.handle_error``
# (gunicorn/workers/base.py, 27.0).
SERVER_ERRORS = {
    400: ("request_malformed", "Yêu cầu không hợp lệ."),
    403: ("request_forbidden", "Yêu cầu bị từ chối."),
    414: ("request_line_too_long", "Địa chỉ yêu cầu quá dài."),
    417: ("expectation_failed", "Yêu cầu không được hỗ trợ."),
    431: ("request_headers_too_large", "Phần đầu của yêu cầu quá lớn."),
    # The message every other 500 gives (outside a request, the lazy string is its msgid).
    500: ("internal_error", str(MESSAGES["internal_error"])),
    501: ("method_not_implemented", "Phương thức không được hỗ trợ."),
}


def server_error_response(status: int, reason: str) -> bytes:
    """A complete HTTP/1.1 response (``Connection: close``) with a JSON error body.

    :param status: the status gunicorn chose (an unknown one is answered with its own
        number, the generic code ``request_malformed`` for 4xx and ``internal_error`` else).
    :param reason: gunicorn's reason phrase (ASCII), sent on the status line.
    :returns: the bytes to write to the client socket.
    """
    fallback = SERVER_ERRORS[400 if 400 <= status < 500 else 500]
    code, message = SERVER_ERRORS.get(status, fallback)
    request_id = new_request_id()
    body = json.dumps({"error": {"code": code, "message": message,
                                 "request_id": request_id}}).encode("ascii")
    head = [f"HTTP/1.1 {status} {reason}", "Connection: close",
            "Content-Type: application/json", f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in security_headers(request_id))]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for ``gunicorn.util.write_error(sock, status_int, reason, mesg)``; ``mesg``
    (gunicorn's detail, which may quote the client's bytes) is left to gunicorn's log."""
    from gunicorn.util import write_nonblock

    write_nonblock(sock, server_error_response(status_int, reason))
