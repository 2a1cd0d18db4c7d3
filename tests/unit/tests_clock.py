"""A fixed clock for domain tests."""
from datetime import datetime, timezone

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
