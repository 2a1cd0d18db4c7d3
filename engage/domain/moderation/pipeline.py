"""The moderation pipeline: ordered checks over plain facts, each returning a reason or nothing.

The names callers need live here: the facts and outcomes (from :mod:`.context`), the checks in
the order of DESIGN.md §7 (from :mod:`.checks`) and :func:`run_pipeline`, which combines them.
"""
from __future__ import annotations

from collections.abc import Sequence

from engage.domain.moderation import reasons as codes
from engage.domain.moderation.checks import DEFAULT_CHECKS, TEXT_CHECKS, check_premoderation
from engage.domain.moderation.context import (
    BanInfo,
    Check,
    CommentContext,
    Decision,
    Reason,
    Verdict,
)

__all__ = [
    "DEFAULT_CHECKS", "TEXT_CHECKS", "BanInfo", "Check", "CommentContext", "Decision", "Reason",
    "Verdict", "check_premoderation", "public_status", "run_pipeline",
]


# Decided silently: telling a banned reader or a bot "rejected"/"spam" would be an oracle.
_SILENT_CODES = frozenset({codes.READER_BANNED, codes.HONEYPOT, codes.DUPLICATE})


def public_status(verdict: Verdict) -> str:
    """What the submitting reader is told: ``approved``, ``pending`` or ``rejected``.

    Spam and every decision driven by a ban, the honeypot or a duplicate answer ``pending``,
    the same shape as an ordinary held comment, so bans and bot checks cannot be probed; a
    rejection for banned words says ``rejected`` so an honest reader can rephrase.
    """
    if verdict.decision is Decision.ACCEPT:
        return "approved"
    if verdict.decision is Decision.REJECT and not any(
            r.code in _SILENT_CODES for r in verdict.reasons):
        return "rejected"
    return "pending"


def run_pipeline(ctx: CommentContext, checks: Sequence[Check] = DEFAULT_CHECKS) -> Verdict:
    """Run every check in order and combine them.

    All checks run (a moderator sees every reason, not just the first); the verdict's decision
    is the most severe one, ACCEPT when no check objects.

    :param ctx: the facts about the comment.
    :param checks: defaults to :data:`DEFAULT_CHECKS`, the order of DESIGN.md §7;
        :data:`TEXT_CHECKS` runs only the checks that read the text (``engage eval-moderation``).
    """
    reasons = tuple(r for r in (check(ctx) for check in checks) if r is not None)
    decision = max((r.decision for r in reasons), default=Decision.ACCEPT)
    return Verdict(decision, reasons)
