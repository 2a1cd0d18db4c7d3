"""Public JSON API under /api/v1: reader tokens, article data, ratings, comments, counts."""
from engage.web.api import (  # noqa: F401  (each registers its routes on bp)
    docs_views, export_views, integration_views, moderation_views, reader_data_views,
    reader_views)
from engage.web.api.views import bp

__all__ = ["bp"]
