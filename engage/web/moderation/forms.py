"""Moderator forms (Flask-WTF: CSRF token on every one)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import (
    AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp)

from engage.models import CommentStatus, ModerationActionKind


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=256)])


class ActionForm(FlaskForm):
    """One moderation action on one comment, with the state the moderator saw."""

    action = HiddenField(validators=[AnyOf([k.value for k in ModerationActionKind])])
    expected = HiddenField(validators=[AnyOf([s.value for s in CommentStatus])])
    reason = StringField(_l("Lý do"), validators=[Length(max=500)])


class LogoutForm(FlaskForm):
    """An empty form: logout is a POST with a CSRF token."""


class RemoveVotesForm(FlaskForm):
    """Remove the votes cast in the last ``hours`` hours, optionally from one network."""

    hours = IntegerField(_l("Trong số giờ gần nhất"), default=24,
                         validators=[InputRequired(), NumberRange(min=1, max=24 * 90)])
    network_hash = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{64}$")])
    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=3, max=300)])


class ResetRatingsForm(FlaskForm):
    """Delete every vote of an article."""

    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=3, max=300)])
    confirm = BooleanField(_l("Tôi hiểu thao tác này xóa toàn bộ lượt đánh giá"),
                           validators=[DataRequired()])


class BanForm(FlaskForm):
    """Ban a comment's author (reader token) or IP network from its site."""

    scope = StringField(validators=[AnyOf(["reader", "network"])])
    days = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3650)])
    reason = StringField(_l("Lý do"), validators=[InputRequired(), Length(min=1, max=300)])
    reject_comments = BooleanField()
