"""Public JSON API under /api/v1: reader tokens, article data, ratings, comments, counts."""
from engage.web.api import reader_views  # noqa: F401  (registers the reader-action routes)
from engage.web.api.views import bp

__all__ = ["bp"]
