"""Pure-Python rules of Engage (no Flask, no SQLAlchemy): ratings, comments, moderation, text."""
