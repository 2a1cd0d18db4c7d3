"""Use cases: each takes a session and a clock and runs as exactly one transaction."""
