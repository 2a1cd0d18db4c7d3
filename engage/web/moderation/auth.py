"""Moderator sessions (Flask-Login) with revocation by session version."""
from __future__ import annotations

from dataclasses import dataclass

from flask_login import UserMixin

from engage.extensions import db, login_manager
from engage.models import Moderator


@dataclass
class ModeratorUser(UserMixin):
    """The logged-in moderator; the session id embeds ``session_version`` so bumping it revokes."""

    moderator: Moderator

    def get_id(self) -> str:
        return f"{self.moderator.id}:{self.moderator.session_version}"


@login_manager.user_loader
def load_user(user_id: str) -> ModeratorUser | None:
    """Return the moderator for a session id ``"<id>:<version>"`` if still current and active."""
    try:
        moderator_id, version = (int(p) for p in user_id.split(":"))
    except ValueError:
        return None
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None or not moderator.active or moderator.session_version != version:
        return None
    return ModeratorUser(moderator)


login_manager.login_view = "moderation.login"
login_manager.login_message = None
login_manager.session_protection = "strong"
