"""A reader edits or deletes their own comment within a short window (token-checked).

An edit is normalised, rendered and moderated again exactly like a new comment (the same
:func:`engage.services.comments.moderation_context` and pipeline), so editing cannot slip past
moderation: under pre-moderation an edited published comment goes back to the queue.  A delete
keeps the row (status ``deleted``); a deleted top-level comment with published replies is shown
as a placeholder so the replies stay readable (``engage.services.comments.thread_page``).
Counts move and the article's read version is bumped in the same transaction; every state
change writes an audit row with no moderator.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from engage.domain.comments import CommentLimits, prepare_text
from engage.domain.errors import Conflict, Forbidden, NotFound
from engage.domain.moderation.pipeline import run_pipeline
from engage.models import (
    Article, Comment, CommentStatus, ModerationAction, ModerationActionKind)
from engage.services import notices
from engage.services.assist import AssistRuntime
from engage.services.comments import STATUS_BY_DECISION, moderation_context
from engage.services.idempotency import release_text_claims
from engage.services.reactions import locate_comment
from engage.services.sites import ensure_open
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_comment_change

# A reader may change their comment while it waits or is published; not once a moderator or
# the pipeline has rejected it or marked it spam.
EDITABLE = (CommentStatus.PENDING, CommentStatus.APPROVED)
# Least to most severe, as the pipeline's decisions are ordered.
_SEVERITY = [CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.SPAM,
             CommentStatus.REJECTED]


@dataclass(frozen=True)
class EditResult:
    """The comment after the edit: its status, rendered HTML and when it was edited."""

    id: int
    status: CommentStatus
    html: str
    edited_at: datetime | None


def editable_until(created_at: datetime, window_s: int) -> datetime:
    """The end of a comment's edit window."""
    return created_at + timedelta(seconds=window_s)


def _own(comment: Comment, reader_id: str, now: datetime, window_s: int) -> None:
    """Check that the reader wrote the comment, that it can change, and that time remains.

    :raises NotFound: ``comment_not_found`` — another reader's comment that is not public.
    :raises Forbidden: ``comment_not_yours``, ``comment_not_editable``, ``edit_window_closed``.
    """
    if comment.reader_id != reader_id:
        if comment.status is not CommentStatus.APPROVED:
            raise NotFound("comment_not_found")
        raise Forbidden("comment_not_yours")
    if comment.status not in EDITABLE:
        raise Forbidden("comment_not_editable")
    if now > editable_until(comment.created_at, window_s):
        raise Forbidden("edit_window_closed", minutes=max(1, window_s // 60))


def _move(session: Session, comment: Comment, before: CommentStatus, after: CommentStatus,
          values: dict, action: ModerationActionKind, now: datetime) -> None:
    """Write the comment's new state if it is still ``before``, move the published count,
    bump the article's read version, and audit a state change.

    The version moves even when neither state is published: deleting an unpublished
    top-level comment can still turn it into a placeholder above published replies.

    :raises Conflict: ``comment_changed`` — a moderator acted at the same moment.
    """
    changed = session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.status == before)
        .values(status=after, updated_at=now, **values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise Conflict("comment_changed")
    delta = int(after is CommentStatus.APPROVED) - int(before is CommentStatus.APPROVED)
    session.execute(update(Article).where(Article.id == comment.article_id).values(
        comment_count=Article.comment_count + delta, version=Article.version + 1))
    if before is not after:
        session.add(ModerationAction(
            site_id=comment.site_id, comment_id=comment.id, moderator_id=None, action=action,
            from_status=before.value, to_status=after.value, created_at=now))
    enqueue_comment_change(session, comment.article_id, comment.id, before, after, now,
                           content_changed=action is ModerationActionKind.READER_EDIT)
    if after is CommentStatus.APPROVED and before is not CommentStatus.APPROVED:
        notices.notify_published(session, comment.id, now)
    release_text_claims(session, comment.id)


def edit_comment(session: Session, site_slug: str, article_key: str, comment_id: int,
                 reader_id: str, text: str, now: datetime, limits: CommentLimits,
                 window_s: int, *, assist: AssistRuntime | None = None) -> EditResult:
    """Replace the text of the reader's own comment and moderate it again.

    The same text again changes nothing.  A comment withheld by reader reports stays in the
    queue whatever the pipeline says (only a moderator releases it).

    :param window_s: seconds after posting during which the author may edit.
    :param assist: the moderation-assistant models: the new text is scored again.
    :raises InvalidInput: the text rules of :func:`prepare_text`.
    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found``.
    :raises Forbidden: ``comment_not_yours``, ``comment_not_editable``,
        ``edit_window_closed``, ``comments_closed``.
    :raises Conflict: ``comment_changed``.
    """
    prepared = prepare_text(text, limits)  # before the write lock is taken
    with write_transaction(session):
        site, article, comment = locate_comment(session, site_slug, article_key, comment_id)
        _own(comment, reader_id, now, window_s)
        ensure_open(article.comments_open, "comments_closed")
        if prepared.text == comment.body_raw:
            return EditResult(comment.id, comment.status, comment.body_html, comment.edited_at)
        risk = assist.facts(site.slug, prepared.text) if assist is not None else None
        verdict = run_pipeline(moderation_context(
            session, site, article, prepared.text, now, is_reply=comment.parent_id is not None,
            reader_id=reader_id, network_hash=comment.network_hash, exclude_comment=comment.id,
            risk=risk))
        status = STATUS_BY_DECISION[verdict.decision]
        reasons = [r.as_json() for r in verdict.reasons]
        if comment.reported_at is not None and comment.status is CommentStatus.PENDING:
            reasons += [r for r in comment.moderation_reasons if r.get("code") == "reported"]
            status = max(status, CommentStatus.PENDING, key=_SEVERITY.index)
        published_at = None
        if status is CommentStatus.APPROVED:
            published_at = comment.published_at or now
        before = comment.status
        _move(session, comment, before, status, {
            "body_raw": prepared.text, "body_html": prepared.html,
            "sanitizer_version": prepared.sanitizer_version, "moderation_reasons": reasons,
            "edited_at": now, "published_at": published_at,
            "assist_risk": risk.risk if risk else None,
            "assist_terms": risk.terms_json() if risk else None}, ModerationActionKind.READER_EDIT,
            now)
        result = EditResult(comment.id, status, prepared.html, now)
    return result


@dataclass(frozen=True)
class DeleteResult:
    """The deleted comment's id (its status is now ``deleted``)."""

    id: int


def delete_comment(session: Session, site_slug: str, article_key: str, comment_id: int,
                   reader_id: str, now: datetime, window_s: int) -> DeleteResult:
    """Delete the reader's own comment (status ``deleted``); deleting it again is a no-op.

    :param window_s: seconds after posting during which the author may delete.
    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found``.
    :raises Forbidden: ``comment_not_yours``, ``comment_not_editable``, ``edit_window_closed``.
    :raises Conflict: ``comment_changed``.
    """
    with write_transaction(session):
        _site, _article, comment = locate_comment(session, site_slug, article_key, comment_id)
        if comment.status is CommentStatus.DELETED and comment.reader_id == reader_id:
            return DeleteResult(comment.id)
        _own(comment, reader_id, now, window_s)
        _move(session, comment, comment.status, CommentStatus.DELETED, {"published_at": None},
              ModerationActionKind.READER_DELETE, now)
    return DeleteResult(comment.id)
