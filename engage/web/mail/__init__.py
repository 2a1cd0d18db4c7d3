"""Public mail links: confirm reply notices (double opt-in) and unsubscribe (RFC 8058)."""
from engage.web.mail.views import bp

__all__ = ["bp"]
