"""The moderator workspace: login, the moderation queues, decisions, undo and the audit log."""
from engage.web.moderation import (  # noqa: F401  (each registers its routes or filters on bp)
    actions_views, alerts_views, audit_views, bans_views, dashboard_views, display, members_views,
    queue_views, ratings_views, settings_views)
from engage.web.moderation.views import bp

__all__ = ["bp"]
