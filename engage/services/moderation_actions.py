"""Moderator decisions on one or many comments, and undoing them: one transaction each.

A decision is a conditional UPDATE on the state the moderator saw (``expected``), so a comment
another moderator handled first is reported back, never overwritten (DESIGN.md §7).  Every
changed comment gets exactly one audit row; articles' published counts move in the same
transaction, so ``engage verify-counters`` finds no drift.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import Conflict, InvalidInput, NotFound
from engage.domain.moderation.decisions import NOTE_MAX_CHARS, check_reason, undo_allowed
from engage.models import (
    Article, Comment, CommentStatus, ModerationAction, ModerationActionKind, Moderator)
from engage.services import notices
from engage.services.scope import moderator_site_ids
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_comment_change

TARGET_STATUS = {
    ModerationActionKind.APPROVE: CommentStatus.APPROVED,
    ModerationActionKind.REJECT: CommentStatus.REJECTED,
    ModerationActionKind.SPAM: CommentStatus.SPAM,
}
UNDOABLE = tuple(TARGET_STATUS)
MAX_BATCH = 200  # comments per bulk request: four queue pages of 50


@dataclass(frozen=True)
class Skipped:
    """A comment left alone because its state was no longer the one the moderator saw.

    ``status`` is its state now; ``by`` and ``at`` name the last audit row's moderator
    (display name, "" for a reader's own action) and time, ``None`` when there is none.
    """

    comment_id: int
    status: str
    by: str
    at: datetime | None


@dataclass
class ActionResult:
    """What one decision request changed: ``done`` comment ids, in request order, and
    ``skipped`` ones (see :class:`Skipped`)."""

    done: list[int] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _validate_ids(comment_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(comment_ids))
    if not ids:
        raise InvalidInput("selection_empty", field="ids")
    if len(ids) > MAX_BATCH:
        raise InvalidInput("selection_too_large", field="ids", limit=MAX_BATCH)
    if any(not 0 < i < 2**31 for i in ids):  # no such row; PostgreSQL would refuse the value
        raise NotFound("comment_not_found")
    return ids


def decide(session: Session, moderator: Moderator, comment_ids: list[int],
           action: ModerationActionKind, expected: CommentStatus, now: datetime, *,
           reason_code: str = "", note: str = "", request_id: str = "") -> ActionResult:
    """Approve, reject or mark as spam the given comments, all in one transaction.

    Comments no longer in ``expected`` are skipped and reported (another moderator, the
    author or reader reports got there first); the others change, each with one audit row
    carrying the moderator, site, action, reason code, note, before → after, time and request id.

    :param comment_ids: 1..:data:`MAX_BATCH` ids (duplicates ignored).
    :param reason_code: a rejection reason (:data:`~engage.domain.moderation.decisions.REJECT_REASONS`);
        required for ``reject``, refused otherwise.
    :raises NotFound: ``comment_not_found`` when any id is not a comment of the moderator's
        sites; then nothing changes (no oracle, nothing half-done).
    :raises InvalidInput: ``selection_empty``, ``selection_too_large``, ``action_invalid``,
        ``already_in_state``, ``comment_deleted``, ``reason_required``, ``reason_invalid``,
        ``note_required``,
        ``reason_too_long``.
    """
    ids = _validate_ids(comment_ids)
    target = TARGET_STATUS.get(action)
    if target is None:
        raise InvalidInput("action_invalid", field="action")
    problem = check_reason(action.value, reason_code, note)
    if problem:  # the note's problems name the note; only its length has a limit
        on_note = problem in ("reason_too_long", "note_required")
        raise InvalidInput(problem, field="note" if on_note else "reason_code",
                           **({"limit": NOTE_MAX_CHARS} if problem == "reason_too_long" else {}))
    if expected is target:
        raise InvalidInput("already_in_state", field="action")
    if expected is CommentStatus.DELETED:  # the author took it down: never republish it
        raise InvalidInput("comment_deleted", field="expected")
    result = ActionResult()
    with write_transaction(session):
        found = dict(session.execute(select(Comment.id, Comment.site_id).where(
            Comment.id.in_(ids), Comment.site_id.in_(moderator_site_ids(moderator.id)))).all())
        if len(found) != len(ids):
            raise NotFound("comment_not_found")
        changed = dict(session.execute(
            update(Comment).where(Comment.id.in_(ids), Comment.status == expected)
            .values(status=target, updated_at=now,
                    published_at=now if target is CommentStatus.APPROVED else None)
            .returning(Comment.id, Comment.article_id)
            .execution_options(synchronize_session=False)).all())
        delta = int(target is CommentStatus.APPROVED) - int(expected is CommentStatus.APPROVED)
        _move_counts(session, Counter(changed.values()), delta)
        done = [i for i in ids if i in changed]
        if done:
            session.execute(insert(ModerationAction), [{
                "site_id": found[i], "comment_id": i, "moderator_id": moderator.id,
                "action": action, "reason_code": reason_code, "reason": note,
                "from_status": expected.value, "to_status": target.value,
                "request_id": request_id, "created_at": now} for i in done])
            for i in done:  # site webhooks (comment.published / comment.removed), same transaction
                enqueue_comment_change(session, changed[i], i, expected, target, now)
                if target is CommentStatus.APPROVED:  # readers' reply notices, same transaction
                    notices.notify_published(session, i, now)
        result.done = done
        result.skipped = _describe(session, [i for i in ids if i not in changed])
    return result


def moderate(session: Session, moderator: Moderator, comment_id: int,
             action: ModerationActionKind, expected: CommentStatus, now: datetime,
             reason: str = "", request_id: str = "", *, reason_code: str = "") -> CommentStatus:
    """One decision on one comment (:func:`decide` for a single id).

    :param reason: the free-text note.
    :raises Conflict: ``already_moderated`` with ``status``, ``by`` and ``at`` of the last action.
    :raises NotFound, InvalidInput: as :func:`decide`.
    """
    result = decide(session, moderator, [comment_id], action, expected, now,
                    reason_code=reason_code, note=reason, request_id=request_id)
    if result.skipped:
        s = result.skipped[0]
        raise Conflict("already_moderated", status=s.status, by=s.by, at=s.at)
    return TARGET_STATUS[action]


def undo(session: Session, moderator: Moderator, action_id: int, now: datetime,
         window_seconds: int, request_id: str = "") -> ActionResult:
    """Take back one of the moderator's own recent decisions (and the rest of its batch).

    A batch is every decision the moderator made in the same request (same request id and
    time): undoing a bulk action undoes all of it.  Each comment goes back to its previous
    state only if it is still in the state the decision left it in; otherwise it is skipped
    and reported.  Each restored comment gets its own ``undo`` audit row (``undoes_id`` names
    the decision); published counts move back in the same transaction.

    :param window_seconds: ``MODERATION_UNDO_WINDOW_S``.
    :raises NotFound: ``action_not_found``: no such decision of this moderator on their sites.
    :raises InvalidInput: ``action_not_undoable`` (not an approve/reject/spam), ``undo_expired``.
    :raises Conflict: ``already_undone`` when every decision of the batch was undone before.
    """
    result = ActionResult()
    if not 0 < action_id < 2**31:
        raise NotFound("action_not_found")
    with write_transaction(session):
        mine = (ModerationAction.moderator_id == moderator.id,
                ModerationAction.site_id.in_(moderator_site_ids(moderator.id)))
        row = session.execute(select(ModerationAction).where(
            ModerationAction.id == action_id, *mine)).scalar_one_or_none()
        if row is None:
            raise NotFound("action_not_found")
        if row.action not in UNDOABLE or row.comment_id is None:
            raise InvalidInput("action_not_undoable", field="action")
        if not undo_allowed(row.created_at, now, window_seconds):
            raise InvalidInput("undo_expired", field="action", seconds=window_seconds)
        batch = [row] if not row.request_id else session.execute(
            select(ModerationAction).where(
                *mine, ModerationAction.request_id == row.request_id,
                ModerationAction.created_at == row.created_at,
                ModerationAction.action.in_(UNDOABLE),
                ModerationAction.comment_id.is_not(None))
            .order_by(ModerationAction.id)).scalars().all()
        undone = set(session.execute(select(ModerationAction.undoes_id).where(
            ModerationAction.undoes_id.in_([r.id for r in batch]))).scalars())
        todo = [r for r in batch if r.id not in undone]
        if not todo:
            raise Conflict("already_undone")
        counts: Counter = Counter()
        for r in todo:
            back = CommentStatus(r.from_status)
            article_id = session.execute(
                update(Comment).where(Comment.id == r.comment_id,
                                      Comment.status == CommentStatus(r.to_status))
                .values(status=back, updated_at=now,
                        published_at=now if back is CommentStatus.APPROVED else None)
                .returning(Comment.article_id)
                .execution_options(synchronize_session=False)).scalar_one_or_none()
            if article_id is None:
                result.skipped.extend(_describe(session, [r.comment_id]))
                continue
            counts[article_id] += (int(back is CommentStatus.APPROVED)
                                   - int(r.to_status == CommentStatus.APPROVED.value))
            session.add(ModerationAction(
                site_id=r.site_id, comment_id=r.comment_id, moderator_id=moderator.id,
                action=ModerationActionKind.UNDO, reason_code="", reason="",
                from_status=r.to_status, to_status=r.from_status, undoes_id=r.id,
                request_id=request_id, created_at=now))
            enqueue_comment_change(session, article_id, r.comment_id,
                                   CommentStatus(r.to_status), back, now)
            if back is CommentStatus.APPROVED:
                notices.notify_published(session, r.comment_id, now)
            result.done.append(r.comment_id)
        for article_id, delta in counts.items():
            _move_counts(session, Counter({article_id: 1}), delta)
    return result


def _move_counts(session: Session, per_article: Counter, delta: int) -> None:
    """Add ``delta`` published comments per counted comment to each article; bump versions."""
    if not delta:
        return
    for article_id, n in per_article.items():
        session.execute(update(Article).where(Article.id == article_id).values(
            comment_count=Article.comment_count + delta * n, version=Article.version + 1))


def _describe(session: Session, comment_ids: list[int]) -> list[Skipped]:
    """Current state and last audit row (who, when) of each comment, for the conflict notice."""
    out = []
    for cid in comment_ids:
        status = session.execute(select(Comment.status).where(Comment.id == cid)).scalar_one()
        last = session.execute(
            select(ModerationAction.created_at, Moderator.display_name)
            .outerjoin(Moderator, Moderator.id == ModerationAction.moderator_id)
            .where(ModerationAction.comment_id == cid)
            .order_by(ModerationAction.id.desc()).limit(1)).first()
        out.append(Skipped(cid, status.value, (last[1] or "") if last else "",
                           last[0] if last else None))
    return out


@dataclass(frozen=True)
class RecentDecision:
    """One of the moderator's undoable batches: its first audit row id (what undo takes), the
    action, how many comments, and when."""

    action_id: int
    action: ModerationActionKind
    count: int
    comment_ids: tuple[int, ...]
    at: datetime


def recent_decisions(session: Session, moderator_id: int, now: datetime,
                     window_seconds: int, limit: int = 5) -> list[RecentDecision]:
    """The moderator's decisions still inside the undo window and not undone, newest first,
    grouped into batches (same request id and time); at most ``limit`` batches."""
    if window_seconds <= 0:
        return []
    undone = select(ModerationAction.undoes_id).where(ModerationAction.undoes_id.is_not(None))
    rows = session.execute(select(ModerationAction).where(
        ModerationAction.moderator_id == moderator_id,
        ModerationAction.site_id.in_(moderator_site_ids(moderator_id)),
        ModerationAction.created_at >= now - timedelta(seconds=window_seconds),
        ModerationAction.created_at <= now,
        ModerationAction.action.in_(UNDOABLE), ModerationAction.comment_id.is_not(None),
        ModerationAction.id.not_in(undone))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id)
        .limit(MAX_BATCH * limit)).scalars().all()
    batches: dict[tuple, list[ModerationAction]] = {}
    for r in rows:
        key = (r.request_id or f"#{r.id}", r.created_at)
        batches.setdefault(key, []).append(r)
    return [RecentDecision(b[0].id, b[0].action, len(b), tuple(r.comment_id for r in b),
                           b[0].created_at) for b in list(batches.values())[:limit]]
