"""The embeddable widget: embed.js and the server-rendered iframe page."""
from engage.web.widget.views import bp

__all__ = ["bp"]
