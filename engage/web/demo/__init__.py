"""The demo news site: an article page embedding Engage exactly as a newspaper would."""
from engage.web.demo.views import bp

__all__ = ["bp"]
