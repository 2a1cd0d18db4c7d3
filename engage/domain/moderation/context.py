"""The facts a moderation check is given and what it answers: context, decision, reason, verdict.

Plain values only (DESIGN.md §7, STYLE.md "rules that need HTTP or the DB"): the service gathers
the facts, the checks in :mod:`engage.domain.moderation.checks` decide.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engage.domain.moderation.matcher import WordMatcher


class Decision(enum.IntEnum):
    """A check's outcome, ordered by severity: the pipeline keeps the most severe one."""

    ACCEPT = 0   # publish now (post-moderation)
    HOLD = 1     # put in the moderation queue (pending)
    SPAM = 2     # store as spam, never shown
    REJECT = 3   # store as rejected, never shown


@dataclass(frozen=True)
class Reason:
    """Why a check decided what it did.

    :param code: stable code shown to moderators; :data:`.reasons.REASON_TEXT` holds its
        Vietnamese and English wording.
    :param spans: ``(start, end)`` character offsets into the comment text as stored (the
        output of ``normalize_comment_text``) that triggered it.
    """

    code: str
    decision: Decision
    spans: tuple[tuple[int, int], ...] = ()

    def as_json(self) -> dict:
        """Storable form: ``{"code", "decision", "spans"}``."""
        return {"code": self.code, "decision": self.decision.name.lower(),
                "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class BanInfo:
    """A ban that applies to the reader's token or to their IP network.

    :param scope: ``"reader"`` (token) or ``"network"`` (IP network hash).
    :param until: end of a timed ban (aware UTC); ``None`` for a permanent one.
    """

    scope: str
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        """Whether the ban still applies at ``now``."""
        return self.until is None or now < self.until


@dataclass(frozen=True)
class CommentContext:
    """Plain facts a check may use; gathered by the service, never fetched by a check.

    Every field but ``text`` and ``now`` has a default, so a caller states only the facts it
    has; the defaults turn each check off, except ``premoderation``, which holds (as before).

    :param text: the comment as stored (``normalize_comment_text`` output).
    :param now: the service's clock (aware UTC).
    :param premoderation: the site or the article holds every comment.
    :param is_reply: the comment answers another one.
    :param article_open: comments are open on the article.
    :param published_at: the article's publication time, for auto-close.
    :param auto_close_days: close comments this many days after publication (site setting);
        ``None`` or ``0`` never closes.
    :param bans: bans found for the reader's token or IP network (active or expired: the check
        compares them with ``now``).
    :param honeypot: what the hidden honeypot field held; humans never fill it.
    :param form_age_seconds: time between rendering the form and submitting it, when the widget
        sends it; ``None`` skips the form-age check.
    :param min_form_seconds: faster than this is a bot.
    :param max_form_seconds: older than this is a replayed or stale form; ``None`` disables.
    :param recent_texts: the reader's recent comment texts (as stored), e.g. their last 20 on
        the site; the duplicate check compares the new text with them.
    :param wordlists: the compiled banned and suspect lists; ``None`` skips both word checks.
    :param link_limit: hold when the text has more links than this; ``None`` disables.
    :param reader_approved_count: the reader's comments already published on the site.
    :param first_n_hold: hold a reader's comments until this many were approved (site
        setting); ``0`` disables.
    :param assist_risk: the site's moderation-assistant model's probability (0–1) that a
        moderator would not approve the text (``engage.assist``); ``None``: no model.
    :param assist_terms: the words behind that risk, ``(word, weight, start, end)`` with
        offsets into ``text``, strongest first.
    :param assist_hold_at: hold at or above this risk (admin setting); ``None`` never holds.
    :param assist_reject_at: reject at or above this risk; ``None`` (the default, and unless
        an admin turns it on) never rejects.
    """

    text: str
    now: datetime
    premoderation: bool = True
    is_reply: bool = False
    article_open: bool = True
    published_at: datetime | None = None
    auto_close_days: int | None = None
    bans: tuple[BanInfo, ...] = ()
    honeypot: str = ""
    form_age_seconds: float | None = None
    min_form_seconds: float = 3.0
    max_form_seconds: float | None = 2 * 60 * 60
    recent_texts: tuple[str, ...] = ()
    wordlists: WordMatcher | None = None
    link_limit: int | None = None
    reader_approved_count: int = 0
    first_n_hold: int = 0
    assist_risk: float | None = None
    assist_terms: tuple[tuple[str, float, int, int], ...] = ()
    assist_hold_at: float | None = None
    assist_reject_at: float | None = None


@dataclass(frozen=True)
class Verdict:
    """The pipeline's result: the most severe decision and every reason that contributed."""

    decision: Decision
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


Check = Callable[[CommentContext], Reason | None]
