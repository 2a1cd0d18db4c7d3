"""Moderation-assistant use cases: each site's model loaded once per worker, the facts it adds
to the pipeline, the site's decision history to train on, and how often moderators agreed.

Nothing here needs scikit-learn until a site has a model file: without the ``assist`` extra a
configured model is skipped with one logged warning, never a failed post.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage import assist
from engage.assist.features import CLEAN, Example
from engage.domain.errors import NotFound
from engage.domain.moderation import reasons as codes
from engage.models import Comment, CommentStatus, ModerationAction, ModerationActionKind, Site
from engage.services.scope import moderator_site_ids

log = logging.getLogger(__name__)

# Decisions that say nothing about the text: a ban, a bot trap, a repeat or a closed article.
_NOT_ABOUT_TEXT = frozenset({codes.READER_BANNED, codes.HONEYPOT, codes.DUPLICATE,
                             codes.ARTICLE_CLOSED, codes.ARTICLE_AUTO_CLOSED})
_LABELS = {CommentStatus.APPROVED: CLEAN, CommentStatus.REJECTED: "rejected",
           CommentStatus.SPAM: "spam"}
_DECISIONS = (ModerationActionKind.APPROVE, ModerationActionKind.REJECT,
              ModerationActionKind.SPAM)


@dataclass(frozen=True)
class AssistSettings:
    """The ``ASSIST_*`` settings (config/defaults.toml).

    :param enabled: score new comments when the site has a model file.
    :param model_dir: folder of ``<site slug>.joblib`` files.
    :param hold_at: hold at or above this risk (0–1); ``None`` never holds.
    :param reject_at: reject at or above this risk; ``None`` never rejects (the default).
    :param top_terms: words stored with each score.
    """

    enabled: bool
    model_dir: Path
    hold_at: float | None = 0.5
    reject_at: float | None = None
    top_terms: int = 5


@dataclass(frozen=True)
class RiskFacts:
    """What the pipeline is told: the risk, its words ``(word, weight, start, end)``, and the
    thresholds to compare it with."""

    risk: float
    terms: tuple[tuple[str, float, int, int], ...]
    hold_at: float | None
    reject_at: float | None

    def terms_json(self) -> list[dict]:
        """Storable ``[{"term", "weight", "spans"}]`` (``Comment.assist_terms``)."""
        return [{"term": t, "weight": round(w, 3), "spans": [[s, e]]}
                for t, w, s, e in self.terms]


class AssistRuntime:
    """Each site's model, loaded on first use and kept for the worker's life (reloaded when
    the file changes, e.g. after ``engage assist train``).  Thread-safe."""

    def __init__(self, settings: AssistSettings) -> None:
        self.settings = settings
        self._models: dict[str, tuple[tuple[int, int], object]] = {}
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def model_path(self, site_slug: str) -> Path:
        """Where the site's model lives: ``<model_dir>/<slug>.joblib``."""
        return self.settings.model_dir / f"{site_slug}.joblib"

    def model_for(self, site_slug: str):
        """The site's :class:`engage.assist.model.AssistModel`, or ``None`` when scoring is
        off, the site has no model, the extra is missing or the file is unreadable (the last
        two are logged once per worker and site)."""
        if not self.settings.enabled:
            return None
        path = self.model_path(site_slug)
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._models.get(site_slug)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if not assist.available():
            self._warn_once(site_slug, "moderation assistant: %s exists but scikit-learn is not "
                            "installed (pip install engage[assist]); comments are not scored",
                            path)
            return None
        with self._lock:
            try:
                from engage.assist.model import load_model

                model = load_model(path)
            except (OSError, ValueError, ImportError, EOFError) as err:
                self._warn_once(site_slug, "moderation assistant: cannot load %s (%s); "
                                "comments are not scored", path, err)
                return None
            self._models[site_slug] = (stamp, model)
        return model

    def _warn_once(self, site_slug: str, message: str, *args) -> None:
        if site_slug not in self._warned:
            self._warned.add(site_slug)
            log.warning(message, *args)

    def facts(self, site_slug: str, text: str) -> RiskFacts | None:
        """Score ``text`` with the site's model; ``None`` without one."""
        model = self.model_for(site_slug)
        if model is None:
            return None
        score = model.score(text, top=self.settings.top_terms)
        return RiskFacts(min(1.0, max(0.0, score.risk)),
                         tuple((t.text, t.weight, t.start, t.end) for t in score.terms),
                         self.settings.hold_at, self.settings.reject_at)


def site_history(session: Session, site_slug: str) -> list[Example]:
    """The site's decided comments as training examples, oldest first.

    Approved → ``clean``, rejected → ``rejected``, spam → ``spam``.  Left out: pending and
    deleted comments, and those decided for a reason that is not about the text (a ban, the
    honeypot, a duplicate, a closed article) unless a moderator decided them since.

    :raises NotFound: ``site_not_found``.
    """
    site_id = session.execute(select(Site.id).where(Site.slug == site_slug)).scalar_one_or_none()
    if site_id is None:
        raise NotFound("site_not_found")
    by_moderator = (select(ModerationAction.comment_id)
                    .where(ModerationAction.site_id == site_id,
                           ModerationAction.moderator_id.is_not(None),
                           ModerationAction.action.in_(_DECISIONS)))
    rows = session.execute(
        select(Comment.body_raw, Comment.status, Comment.moderation_reasons,
               Comment.id.in_(by_moderator))
        .where(Comment.site_id == site_id, Comment.status.in_(tuple(_LABELS)))
        .order_by(Comment.created_at, Comment.id)).all()
    examples = []
    for text, status, reasons, moderated in rows:
        automatic = {r.get("code") for r in reasons or ()}
        if not moderated and automatic & _NOT_ABOUT_TEXT:
            continue
        examples.append(Example(text, _LABELS[status]))
    return examples


@dataclass(frozen=True)
class Agreement:
    """How moderators' last decisions compare with the model's hold / no-hold.

    ``held_*``: the risk was at or above the hold threshold; ``passed_*``: below it.
    ``rate`` = (held_rejected + passed_approved) / decided, ``None`` with no decision.
    """

    decided: int
    held_rejected: int
    held_approved: int
    passed_rejected: int
    passed_approved: int
    hold_at: float

    @property
    def agreed(self) -> int:
        """Decisions where the moderator did what the model said (hold → reject/spam)."""
        return self.held_rejected + self.passed_approved

    @property
    def rate(self) -> float | None:
        """``agreed / decided`` rounded to 4 places; ``None`` before any decision."""
        return round(self.agreed / self.decided, 4) if self.decided else None

    def as_json(self) -> dict:
        """``{"decided", "agreed", "rate", "hold_at", "held_rejected", …}``."""
        return {"decided": self.decided, "agreed": self.agreed, "rate": self.rate,
                "hold_at": self.hold_at, "held_rejected": self.held_rejected,
                "held_approved": self.held_approved, "passed_rejected": self.passed_rejected,
                "passed_approved": self.passed_approved}


def agreement(session: Session, moderator_id: int, hold_at: float, *,
              since: datetime | None = None, site_id: int | None = None) -> Agreement:
    """Agreement of moderators with the model on the moderator's sites (dashboard figure).

    Counts each scored comment once, by the last approve/reject/spam a moderator gave it
    (spam counts as a rejection); comments nobody decided are left out.

    :param hold_at: the risk at and above which the model says "hold" (``ASSIST_HOLD_THRESHOLD``).
    :param since: only decisions at or after this time (aware UTC).
    :param site_id: one of the moderator's sites (another site's id finds nothing; the web
        layer answers it 404 first).
    """
    last = (select(ModerationAction.comment_id, func.max(ModerationAction.id).label("id"))
            .where(ModerationAction.site_id.in_(moderator_site_ids(moderator_id, site_id)),
                   ModerationAction.moderator_id.is_not(None),
                   ModerationAction.action.in_(_DECISIONS))
            .group_by(ModerationAction.comment_id).subquery())
    query = (select(Comment.assist_risk, ModerationAction.action)
             .join(last, last.c.comment_id == Comment.id)
             .join(ModerationAction, ModerationAction.id == last.c.id)
             .where(Comment.assist_risk.is_not(None)))
    if since is not None:
        query = query.where(ModerationAction.created_at >= since)
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for risk, action in session.execute(query):
        counts[(risk >= hold_at, action is not ModerationActionKind.APPROVE)] += 1
    return Agreement(sum(counts.values()), counts[(True, True)], counts[(True, False)],
                     counts[(False, True)], counts[(False, False)], hold_at)
