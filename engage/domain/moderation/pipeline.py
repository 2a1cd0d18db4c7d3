"""The moderation pipeline: ordered checks over plain facts, each returning a reason or nothing."""
from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


class Decision(enum.IntEnum):
    """A check's outcome, ordered by severity: the pipeline keeps the most severe one."""

    ACCEPT = 0   # publish now (post-moderation)
    HOLD = 1     # put in the moderation queue (pending)
    SPAM = 2     # store as spam, never shown
    REJECT = 3   # store as rejected, never shown


@dataclass(frozen=True)
class Reason:
    """Why a check decided what it did.

    :param code: stable code shown to moderators (translated by the web layer).
    :param spans: ``(start, end)`` character offsets into the comment text that triggered it.
    """

    code: str
    decision: Decision
    spans: tuple[tuple[int, int], ...] = ()

    def as_json(self) -> dict:
        """Storable form: ``{"code", "decision", "spans"}``."""
        return {"code": self.code, "decision": self.decision.name.lower(),
                "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class CommentContext:
    """Plain facts a check may use; gathered by the service, never fetched by a check."""

    text: str
    now: datetime
    premoderation: bool = True
    is_reply: bool = False


@dataclass(frozen=True)
class Verdict:
    """The pipeline's result: the most severe decision and every reason that contributed."""

    decision: Decision
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


Check = Callable[[CommentContext], Reason | None]


def check_premoderation(ctx: CommentContext) -> Reason | None:
    """Hold every comment when the site or article is pre-moderated (DESIGN.md §7, last step)."""
    return Reason("premoderation", Decision.HOLD) if ctx.premoderation else None


DEFAULT_CHECKS: tuple[Check, ...] = (check_premoderation,)


def run_pipeline(ctx: CommentContext, checks: Sequence[Check] = DEFAULT_CHECKS) -> Verdict:
    """Run every check in order and combine them.

    All checks run (a moderator sees every reason, not just the first); the verdict's decision
    is the most severe one, ACCEPT when no check objects.
    """
    reasons = tuple(r for r in (check(ctx) for check in checks) if r is not None)
    decision = max((r.decision for r in reasons), default=Decision.ACCEPT)
    return Verdict(decision, reasons)
