"""The moderator workspace: login, the moderation queue and actions."""
from engage.web.moderation import ratings_views  # noqa: F401  (registers the rating routes)
from engage.web.moderation.views import bp

__all__ = ["bp"]
