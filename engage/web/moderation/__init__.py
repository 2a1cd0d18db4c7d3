"""The moderator workspace: login, the moderation queue and actions."""
from engage.web.moderation.views import bp

__all__ = ["bp"]
