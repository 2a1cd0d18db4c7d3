"""Health endpoints: /healthz (process up) and /readyz (database reachable)."""
from engage.web.health.views import bp

__all__ = ["bp"]
