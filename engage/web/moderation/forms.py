"""Moderator forms (Flask-WTF: CSRF token on every one)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, HiddenField, IntegerField, PasswordField, SelectChoice, SelectField,
    SelectMultipleField, StringField)
from wtforms.validators import (
    AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp)

from engage.domain.moderation.decisions import NOTE_MAX_CHARS, REJECT_REASONS
from engage.models import CommentStatus

DECISIONS = ["approve", "reject", "spam"]

# WTForms' own messages (fields and validators; it ships no Vietnamese catalogue), keyed by the
# English text WTForms asks for and given in the workspace's language through Engage's
# catalogue.  The Vietnamese keeps WTForms' placeholders, which it fills in afterwards.
_WTFORMS_MESSAGES = {
    "This field is required.": _l("Vui lòng điền mục này."),
    "Field must be at least %(min)d character long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Tối đa %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Tối đa %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Cần đúng %(max)d ký tự."),
    "Field must be exactly %(max)d characters long.": _l("Cần đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.":
        _l("Cần từ %(min)d đến %(max)d ký tự."),
    "Not a valid integer value.": _l("Cần nhập một số nguyên."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số phải không quá %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
    "Invalid value, must be one of: %(values)s.": _l("Giá trị không hợp lệ."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Not a valid choice.": _l("Lựa chọn không hợp lệ."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn không hợp lệ."),
    "'%(value)s' is not a valid choice for this field.": _l("Lựa chọn không hợp lệ."),
    "'%(value)s' are not valid choices for this field.": _l("Lựa chọn không hợp lệ."),
}


class _WTFormsTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks its messages from (its ``Meta``
    translations hook): :data:`_WTFORMS_MESSAGES` in the request's locale, any other message
    unchanged (English)."""

    def gettext(self, string: str) -> str:
        """The message ``string`` (WTForms' English text) in the workspace's language."""
        found = _WTFORMS_MESSAGES.get(string)
        return string if found is None else str(found)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural message for ``n`` in the workspace's language."""
        return self.gettext(singular if n == 1 else plural)


_TRANSLATIONS = _WTFormsTranslations()


class EngageForm(FlaskForm):
    """Every workspace form: Flask-WTF's CSRF, and WTForms' own error messages in Vietnamese
    (English with the English locale) instead of WTForms' English everywhere (a new-user test
    saw "This field is required." on a Vietnamese page)."""

    class Meta:
        def get_translations(self, form):
            """WTForms' messages through Engage's catalogue (:class:`_WTFormsTranslations`)."""
            return _TRANSLATIONS


class LoginForm(EngageForm):
    """Username and password."""

    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=256)])


class ActionForm(EngageForm):
    """One decision on one comment, with the state the moderator saw, a rejection reason code
    (:data:`~engage.domain.moderation.decisions.REJECT_REASONS`) and an optional note;
    ``back`` is the queue page to return to."""

    action = HiddenField(validators=[AnyOf(DECISIONS)])
    expected = HiddenField(validators=[AnyOf([s.value for s in CommentStatus])])
    reason_code = StringField(validators=[Optional(), AnyOf(list(REJECT_REASONS))])
    reason = StringField(_l("Ghi chú"), validators=[Length(max=NOTE_MAX_CHARS)])
    back = HiddenField(validators=[Length(max=2000)])


class BulkForm(ActionForm):
    """One decision on the ticked comments (``ids``), or on every comment of the page
    (``all_on_page`` with ``page_ids``): at most 200 ids."""

    ids = SelectMultipleField(coerce=int, validate_choice=False)
    page_ids = SelectMultipleField(coerce=int, validate_choice=False)
    all_on_page = BooleanField(_l("Chọn tất cả trên trang này"))

    def selected(self) -> list[int]:
        """The ids the decision applies to."""
        return list(self.page_ids.data if self.all_on_page.data else self.ids.data or [])


class UndoForm(EngageForm):
    """Undo one recent decision (the CSRF token is the whole form); ``back`` as ActionForm."""

    back = HiddenField(validators=[Length(max=2000)])


class LogoutForm(EngageForm):
    """An empty form: logout is a POST with a CSRF token."""


class RemoveVotesForm(EngageForm):
    """Remove the votes cast in the last ``hours`` hours, optionally from one network."""

    hours = IntegerField(_l("Trong số giờ gần nhất"), default=24,
                         validators=[InputRequired(), NumberRange(min=1, max=24 * 90)])
    network_hash = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{64}$")])
    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=3, max=300)])


class ResetRatingsForm(EngageForm):
    """Delete every vote of an article."""

    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=3, max=300)])
    confirm = BooleanField(_l("Tôi hiểu thao tác này xóa toàn bộ lượt đánh giá"),
                           validators=[DataRequired()])


class BanForm(EngageForm):
    """Ban a comment's author (reader token) or IP network from its site."""

    scope = StringField(validators=[AnyOf(["reader", "network"])])
    days = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3650)])
    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=1, max=300)])
    reject_comments = BooleanField()


class SettingsForm(EngageForm):
    """A site's moderation settings (bounds are checked again by the service)."""

    premoderation = BooleanField(_l("Duyệt trước mọi bình luận"))
    auto_close_days = IntegerField(_l("Tự đóng bình luận sau (ngày, để trống: không)"),
                                   validators=[Optional(), NumberRange(min=1, max=3650)])
    first_n_hold = IntegerField(_l("Giữ lại N bình luận đầu tiên của độc giả mới (0: tắt)"),
                                validators=[InputRequired(), NumberRange(min=0, max=100)])
    link_limit = IntegerField(_l("Giữ lại bình luận có nhiều hơn N liên kết (để trống: không giới hạn)"),
                              validators=[Optional(), NumberRange(min=0, max=50)])
    report_threshold = IntegerField(_l("Số lượt báo cáo đưa bình luận về hàng đợi (0: tắt)"),
                                    validators=[InputRequired(), NumberRange(min=0, max=1000)])
    # Moderator alert thresholds (left empty: unchanged).
    alert_pending = IntegerField(_l("Ngưỡng hàng chờ (số bình luận, 0 = tắt)"),
                                 validators=[Optional(), NumberRange(min=0, max=100_000)])
    alert_oldest_minutes = IntegerField(_l("Ngưỡng thời gian chờ (phút, 0 = tắt)"),
                                        validators=[Optional(), NumberRange(min=0, max=10_080)])


class WordForm(EngageForm):
    """Add one banned or suspect entry to the site's own list."""

    kind = StringField(validators=[AnyOf(["banned", "suspect"])])
    entry = StringField(_l("Từ hoặc cụm từ"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(EngageForm):
    """Change one's own password (the current one is asked again)."""

    current_password = PasswordField(_l("Mật khẩu hiện tại"),
                                     validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("Mật khẩu mới (ít nhất 10 ký tự)"),
                                 validators=[DataRequired(), Length(min=10, max=256)])


class AlertsForm(EngageForm):
    """One's alert address; the per-site switches come as ``digest``/``daily`` site ids."""

    email = StringField(_l("E-mail nhận thông báo"), validators=[Length(max=254)])


ROLE_CHOICES = [SelectChoice("moderator", _l("Kiểm duyệt viên")),
                SelectChoice("admin", _l("Quản trị viên"))]


_REQUIRED = _l("Vui lòng điền mục này.")


class AddMemberForm(EngageForm):
    """Give an existing moderator (by username) access to the site."""

    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_REQUIRED), Length(max=64, message=_l("Tối đa %(max)d ký tự."))])
    role = SelectField(_l("Vai trò"), choices=ROLE_CHOICES, default="moderator")


class CreateMemberForm(EngageForm):
    """Create a new moderator account on the site (lengths are checked again by the service)."""

    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_REQUIRED), Length(max=64, message=_l("Tối đa %(max)d ký tự."))])
    display_name = StringField(_l("Tên hiển thị"), validators=[
        DataRequired(_REQUIRED), Length(max=100, message=_l("Tối đa %(max)d ký tự."))])
    password = PasswordField(_l("Mật khẩu (ít nhất 10 ký tự)"), validators=[
        DataRequired(_REQUIRED),
        Length(min=10, max=256, message=_l("Mật khẩu phải có từ %(min)d đến %(max)d ký tự."))])
    role = SelectField(_l("Vai trò"), choices=ROLE_CHOICES, default="moderator")


class RoleForm(EngageForm):
    """A member's new role."""

    role = SelectField(_l("Vai trò"), choices=ROLE_CHOICES)
