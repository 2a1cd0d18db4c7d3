"""Automatic moderation: the ordered pipeline of checks and their decisions (DESIGN.md §7)."""
