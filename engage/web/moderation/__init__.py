"""The moderator workspace: login, the moderation queue and actions."""
from engage.web.moderation import (  # noqa: F401  (each registers its routes or filters on bp)
    bans_views, display, ratings_views)
from engage.web.moderation.views import bp

__all__ = ["bp"]
