"""One table from domain error codes to HTTP status and message; JSON for the API, HTML for pages."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from engage.domain.errors import (
    Conflict, EngageError, Forbidden, InvalidInput, NotFound, TooMany, Unauthorized)
from engage.extensions import db, limiter

log = logging.getLogger(__name__)

STATUS_BY_CLASS = {InvalidInput: 422, NotFound: 404, Unauthorized: 401, Forbidden: 403,
                   Conflict: 409, TooMany: 429}

MESSAGES = {
    "email_invalid": _l("Địa chỉ e-mail không hợp lệ."),
    "mail_link_invalid": _l("Liên kết không hợp lệ."),
    "mail_link_expired": _l("Liên kết đã hết hạn. Hãy để lại địa chỉ e-mail khi bình luận lần sau."),
    "stars_out_of_range": _l("Số sao phải là số nguyên từ 1 đến 5."),
    "reader_token_missing": _l("Thiếu mã độc giả. Vui lòng tải lại trang."),
    "reader_token_invalid": _l("Mã độc giả không hợp lệ. Vui lòng tải lại trang."),
    "site_not_found": _l("Không tìm thấy trang báo."),
    "article_not_found": _l("Không tìm thấy bài viết."),
    "article_key_invalid": _l("Mã bài viết không hợp lệ."),
    "article_ambiguous": _l("Mã bài viết có ở nhiều trang báo: hãy chọn trang báo."),
    "comment_not_found": _l("Không tìm thấy bình luận."),
    "ratings_closed": _l("Bài viết này đã đóng đánh giá."),
    "comments_closed": _l("Bài viết này đã đóng bình luận."),
    "text_empty": _l("Vui lòng nhập nội dung bình luận."),
    "text_too_short": _l("Bình luận quá ngắn (tối thiểu %(limit)s ký tự)."),
    "text_too_long": _l("Bình luận quá dài (tối đa %(limit)s ký tự)."),
    "author_name_empty": _l("Vui lòng nhập tên của bạn."),
    "author_name_too_long": _l("Tên quá dài (tối đa %(limit)s ký tự)."),
    "author_name_reserved": _l("Tên này được dành riêng, vui lòng chọn tên khác."),
    "parent_invalid": _l("Không thể trả lời bình luận này."),
    "cursor_invalid": _l("Tham số phân trang không hợp lệ."),
    "sort_invalid": _l("Kiểu sắp xếp không hợp lệ."),
    "too_many_articles": _l("Tối đa %(limit)s bài viết mỗi yêu cầu."),
    "moderator_login_required": _l("Cần đăng nhập tài khoản kiểm duyệt."),
    "status_invalid": _l("Trạng thái không hợp lệ."),
    "ban_target_unknown": _l("Không xác định được độc giả hoặc mạng cần cấm."),
    "report_own_comment": _l("Bạn không thể báo cáo bình luận của chính mình."),
    "like_own_comment": _l("Bạn không thể thích bình luận của chính mình."),
    "network_vote_cap": _l("Mạng của bạn đã gửi quá nhiều lượt đánh giá cho bài viết này hôm nay."),
    "days_invalid": _l("Số ngày phải từ 1 đến 365."),
    "limit_invalid": _l("Số lượng không hợp lệ."),
    "window_invalid": _l("Khoảng thời gian không hợp lệ."),
    "already_moderated": _l("Bình luận này đã được xử lý trước đó."),
    "already_in_state": _l("Bình luận đã ở trạng thái này."),
    "reason_too_long": _l("Lý do quá dài (tối đa %(limit)s ký tự)."),
    "reason_required": _l("Vui lòng chọn lý do từ chối."),
    "reason_invalid": _l("Lý do không hợp lệ."),
    "note_required": _l("Lý do “khác” cần có ghi chú."),
    "action_invalid": _l("Thao tác không hợp lệ."),
    "selection_empty": _l("Chưa chọn bình luận nào."),
    "selection_too_large": _l("Chỉ xử lý tối đa %(limit)s bình luận mỗi lần."),
    "action_not_found": _l("Không tìm thấy thao tác này."),
    "action_not_undoable": _l("Không thể hoàn tác thao tác này."),
    "undo_expired": _l("Đã quá thời hạn hoàn tác (%(seconds)s giây)."),
    "already_undone": _l("Thao tác này đã được hoàn tác."),
    "reader_invalid": _l("Mã độc giả không hợp lệ."),
    "reader_not_found": _l("Không tìm thấy độc giả."),
    "moderator_not_found": _l("Không tìm thấy người kiểm duyệt."),
    "param_invalid": _l("Tham số không hợp lệ."),
    "date_invalid": _l("Ngày không hợp lệ."),
    "published_at_out_of_range": _l("Thời điểm đăng bài phải trong khoảng năm 1900 đến 2199."),
    "setting_out_of_range": _l("Giá trị phải từ %(low)s đến %(high)s."),
    "admin_required": _l("Chỉ quản trị viên của trang báo mới được làm việc này."),
    "entry_invalid": _l("Mục không hợp lệ (trống, quá dài hoặc chỉ một chữ cái)."),
    "entry_exists": _l("Mục này đã có trong danh sách."),
    "word_not_found": _l("Không tìm thấy mục này."),
    "moderator_unknown": _l("Không có tài khoản kiểm duyệt nào với tên đăng nhập này."),
    "member_exists": _l("Người này đã là thành viên của trang báo."),
    "moderator_exists": _l("Tên đăng nhập này đã có người dùng."),
    "username_invalid": _l("Tên đăng nhập phải gồm 1–%(limit)s ký tự ASCII in được, không có dấu cách."),
    "display_name_invalid": _l("Tên hiển thị phải gồm 1–%(limit)s ký tự."),
    "member_not_found": _l("Không tìm thấy thành viên này của trang báo."),
    "member_self": _l("Bạn không thể tự xóa hoặc tự hạ quyền của chính mình."),
    "last_admin": _l("Trang báo phải còn ít nhất một quản trị viên."),
    "password_wrong": _l("Mật khẩu hiện tại không đúng."),
    "comment_deleted": _l("Tác giả đã xóa bình luận này; không thể duyệt lại."),
    "name_invalid": _l("Tên không hợp lệ (1–100 ký tự)."),
    "key_not_found": _l("Không tìm thấy khóa API này."),
    "password_too_short": _l("Mật khẩu phải có ít nhất %(limit)s ký tự."),
    "password_unchanged": _l("Mật khẩu mới phải khác mật khẩu cũ."),
    "comment_not_yours": _l("Bạn chỉ có thể sửa hoặc xóa bình luận của chính mình."),
    "comment_not_editable": _l("Bình luận này không thể sửa hoặc xóa."),
    "edit_window_closed": _l("Chỉ có thể sửa hoặc xóa bình luận trong %(minutes)s phút sau khi đăng."),
    "comment_changed": _l("Bình luận vừa được ban biên tập xử lý. Vui lòng tải lại trang."),
    "report_note_too_long": _l("Ghi chú quá dài (tối đa %(limit)s ký tự)."),
    "idempotency_key_invalid": _l("Idempotency-Key phải gồm 1–255 ký tự ASCII in được."),
    "idempotency_key_reused": _l("Idempotency-Key này đã được dùng cho một yêu cầu khác."),
    "site_admin_required": _l("Chỉ quản trị viên của trang báo mới được xuất dữ liệu."),
    "format_invalid": _l("Định dạng xuất không hợp lệ (chỉ hỗ trợ json)."),
    "include_private_invalid": _l("Tham số include_private phải là true hoặc false."),
    "invalid_json": _l("Dữ liệu gửi lên không phải JSON hợp lệ."),
    "unsupported_media_type": _l("Dữ liệu phải có Content-Type: application/json."),
    "validation_failed": _l("Dữ liệu không hợp lệ."),
    "rate_limited": _l("Bạn thao tác quá nhanh. Vui lòng thử lại sau %(retry_after)s giây."),
    "csrf_failed": _l("Phiên làm việc đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang."),
    "not_found": _l("Không tìm thấy địa chỉ này."),
    "method_not_allowed": _l("Phương thức không được hỗ trợ."),
    "payload_too_large": _l("Dữ liệu gửi lên quá lớn."),
    "bad_request": _l("Yêu cầu không hợp lệ."),
    "input_characters_invalid": _l("Dữ liệu gửi lên chứa ký tự không hợp lệ (NUL hoặc mã UTF-8 hỏng)."),
    "article_url_invalid": _l("Địa chỉ bài viết phải là URL http hoặc https đầy đủ."),
    "article_url_not_allowed": _l("Địa chỉ bài viết không thuộc trang báo này."),
    "api_key_invalid": _l("Khóa API không hợp lệ."),
    "origin_invalid": _l("Nguồn nhúng phải có dạng scheme://tên-miền[:cổng], ví dụ https://baodemo.vn."),
    "too_many_origins": _l("Tối đa %(limit)s nguồn nhúng cho mỗi trang báo."),
    "theme_invalid": _l("Giá trị giao diện không hợp lệ."),
    "webhook_url_invalid": _l("Địa chỉ webhook phải là URL http hoặc https đầy đủ."),
    "internal_error": _l("Đã xảy ra lỗi máy chủ. Vui lòng thử lại sau."),
    "service_unavailable": _l("Dịch vụ tạm thời gián đoạn. Vui lòng thử lại sau."),
}
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
              413: "payload_too_large", 415: "unsupported_media_type", 503: "service_unavailable"}


class RequestError(Exception):
    """A web-layer refusal (bad JSON, wrong media type, schema failure) with a code and status."""

    def __init__(self, status: int, code: str, **params) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def message_for(code: str, params: dict) -> str:
    """The translated message for a code, with its parameters filled in."""
    template = MESSAGES.get(code)
    if template is None:
        return gettext("Yêu cầu không hợp lệ.")
    try:
        return str(template) % params if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def wants_json() -> bool:
    """JSON for the API and for widget/XHR calls; HTML for pages."""
    return (request.path == "/api" or request.path.startswith("/api/")
            or request.accept_mimetypes.best == "application/json"
            or request.headers.get("X-Requested-With") == "XMLHttpRequest")


def error_response(status: int, code: str, params: dict | None = None, headers=None):
    """Build the error response in the format the caller wants."""
    params = {k: v for k, v in (params or {}).items() if k != "at" or v is None}
    message = message_for(code, params)
    if wants_json():
        body = {"error": {"code": code, "message": message,
                          "request_id": g.get("request_id", "")}}
        extra = {k: v for k, v in params.items() if isinstance(v, (str, int, list, type(None)))}
        if extra:
            body["error"]["details"] = extra
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", status=status, message=message)
    return response, status, headers or {}


def database_unavailable(err: SQLAlchemyError) -> bool:
    """Whether a database error means "unreachable or overloaded" (→ 503) rather than a bug.

    Connection refused or dropped and server shutdown arrive as ``OperationalError`` or
    ``InterfaceError`` (PEP 249 classes, wrapped by SQLAlchemy); a full pool past
    ``DB_POOL_TIMEOUT_S`` is SQLAlchemy's ``TimeoutError``.
    """
    return (isinstance(err, (OperationalError, InterfaceError, PoolTimeout))
            or bool(getattr(err, "connection_invalidated", False)))


def register_error_handlers(app: Flask) -> None:
    """Install the handlers: domain errors, request errors, HTTP errors, rate limits, CSRF, 500."""

    @app.errorhandler(EngageError)
    def _domain(err: EngageError):
        status = next((s for cls, s in STATUS_BY_CLASS.items() if isinstance(err, cls)), 400)
        return error_response(status, err.code, err.params)

    @app.errorhandler(RequestError)
    def _request(err: RequestError):
        return error_response(err.status, err.code, err.params)

    @app.errorhandler(RateLimitExceeded)
    def _rate(err: RateLimitExceeded):
        current = limiter.current_limit
        # Truncated like Flask-Limiter's own Retry-After header, which it sets after us.
        seconds = max(1, int(current.reset_at - time.time())) if current else 60
        return error_response(429, "rate_limited", {"retry_after": seconds},
                              {"Retry-After": str(seconds)})

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        return error_response(403, "csrf_failed")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = HTTP_CODES.get(err.code or 500, "bad_request")
        allow = {"Allow": err.valid_methods and ", ".join(err.valid_methods)} \
            if err.code == 405 and getattr(err, "valid_methods", None) else None
        return error_response(err.code or 500, code, headers=allow)

    @app.errorhandler(SQLAlchemyError)
    def _database(err: SQLAlchemyError):
        if not database_unavailable(err):
            return _internal(err)
        # Nothing was stored: the transaction failed before its COMMIT was acknowledged
        # (write_transaction rolls back).  The pool drops the broken connection and opens new
        # ones once the server is back, so the next request recovers without a restart.
        log.warning("database unavailable: %s", type(getattr(err, "orig", None) or err).__name__,
                    extra={"request_id": g.get("request_id", "")})
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        seconds = app.config["DB_RETRY_AFTER_S"]
        return error_response(503, "service_unavailable", headers={"Retry-After": str(seconds)})

    @app.errorhandler(Exception)
    def _internal(err: Exception):
        log.exception("unhandled error", extra={"request_id": g.get("request_id", "")})
        db.session.rollback()
        return error_response(500, "internal_error")
