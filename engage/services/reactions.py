"""Reader reactions to published comments: like (undoable) and report (N reports withhold).

Each use case is one transaction.  Rows first, then counters by relative increments in the same
transaction, so the stored ``like_count``/``report_count`` always equal the rows (``engage
verify-counters`` checks); the unique constraints (one like, one report per reader per comment)
make double clicks, retries and races harmless.  Lock order is comment row, then article row —
the order :func:`engage.services.moderation.moderate` takes them in — so the two never deadlock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.domain.text.normalize import char_length, normalize_comment_text
from engage.models import (
    Article, Comment, CommentLike, CommentReport, CommentStatus, ModerationAction,
    ModerationActionKind, ReportReason, Site)
from engage.services.reader_data import hold_reader
from engage.services.sites import ensure_open, find_article, get_site, validate_article_key
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_comment_change

REPORT_NOTE_MAX_CHARS = 500


def locate_comment(session: Session, site_slug: str, article_key: str, comment_id: int
                   ) -> tuple[Site, Article, Comment]:
    """The site, the article and one of its comments, the comment row locked for the write.

    Must run inside :func:`write_transaction`.  A comment of another article or another site
    is not found, whatever its id (no oracle across tenants).

    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found``.
    :raises InvalidInput: ``article_key_invalid``.
    """
    site = get_site(session, site_slug)
    article = find_article(session, site, validate_article_key(article_key))
    if article is None:
        raise NotFound("article_not_found")
    comment = None
    if 0 < comment_id < 2**31:
        comment = session.execute(select(Comment).where(
            Comment.id == comment_id, Comment.article_id == article.id)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if comment is None:
        raise NotFound("comment_not_found")
    return site, article, comment


def _published(comment: Comment) -> Comment:
    """Readers react only to what they can see: anything unpublished is "not found"."""
    if comment.status is not CommentStatus.APPROVED:
        raise NotFound("comment_not_found")
    return comment


def _insert(session: Session, model, **values) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING`` on the (comment, reader) key; whether a row was added."""
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    stmt = insert(model).values(**values).on_conflict_do_nothing(
        index_elements=["comment_id", "reader_id"]).returning(model.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def _bump_version(session: Session, article_id: int, published_delta: int = 0) -> None:
    """Bump the article's read version (public reads are cached by it), moving the published
    count by ``published_delta``."""
    values = {"version": Article.version + 1}
    if published_delta:
        values["comment_count"] = Article.comment_count + published_delta
    session.execute(update(Article).where(Article.id == article_id).values(**values))


@dataclass(frozen=True)
class LikeResult:
    """The comment's like count after the change and whether the reader now likes it."""

    like_count: int
    liked: bool


def set_like(session: Session, site_slug: str, article_key: str, comment_id: int,
             reader_id: str, liked: bool, now: datetime, *,
             check_reader: bool = False) -> LikeResult:
    """Like a published comment (``liked=True``) or take the like back; repeating either is a
    no-op that answers the same.

    :param check_reader: hold the reader row (``engage.services.reader_data.hold_reader``): an
        erased reader is refused, and an erasure racing this like removes it.  The web layer
        passes ``True``.
    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found`` (also
        for an unpublished comment).
    :raises Forbidden: ``comments_closed`` (the discussion is frozen).
    :raises Unauthorized: ``reader_token_invalid`` (``check_reader`` and the reader was erased).
    :raises InvalidInput: ``like_own_comment`` (liking one's own comment).
    """
    with write_transaction(session):
        if check_reader:
            hold_reader(session, reader_id)
        _site, article, comment = locate_comment(session, site_slug, article_key, comment_id)
        _published(comment)
        ensure_open(article.comments_open, "comments_closed")
        if liked and comment.reader_id == reader_id:
            # "Most liked" ranks what other readers liked; Remark42 and Disqus refuse votes on
            # one's own comment too.  Taking back an old self-like stays allowed.
            raise InvalidInput("like_own_comment", field="comment")
        if liked:
            changed = _insert(session, CommentLike, comment_id=comment.id, reader_id=reader_id,
                              created_at=now)
        else:
            changed = session.execute(delete(CommentLike).where(
                CommentLike.comment_id == comment.id, CommentLike.reader_id == reader_id)
                .returning(CommentLike.id)).first() is not None
        count = comment.like_count
        if changed:
            count = session.execute(
                update(Comment).where(Comment.id == comment.id)
                .values(like_count=Comment.like_count + (1 if liked else -1))
                .returning(Comment.like_count)
                .execution_options(synchronize_session=False)).scalar_one()
            _bump_version(session, article.id)
        result = LikeResult(count, liked)
    return result


def report_comment(session: Session, site_slug: str, article_key: str, comment_id: int,
                   reader_id: str, reason: ReportReason, note: str, network_hash: str,
                   now: datetime, *,
                   check_reader: bool = False) -> bool:
    """Record a reader's report of a published comment; enough of them withhold it.

    When ``site.report_threshold`` readers from as many distinct IP networks have reported it
    (0: never), the comment
    goes back to the moderation queue in the same transaction: ``pending``, ``reported_at``
    set, a ``reported`` reason added, the article's published count moved and its version
    bumped, and an audit row written with no moderator (the system acted).  A comment a
    moderator has approved again after that is not withheld a second time by more reports.

    :param note: optional free text for moderators (normalised; at most 500 characters).
    :param check_reader: as for :func:`set_like`.
    :returns: whether this is the reader's first report of the comment (a repeat changes
        nothing).
    :raises InvalidInput: ``report_note_too_long``; ``report_own_comment``.
    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found``.
    """
    note = normalize_comment_text(note)
    if char_length(note) > REPORT_NOTE_MAX_CHARS:
        raise InvalidInput("report_note_too_long", field="note", limit=REPORT_NOTE_MAX_CHARS)
    with write_transaction(session):
        if check_reader:
            hold_reader(session, reader_id)
        site, article, comment = locate_comment(session, site_slug, article_key, comment_id)
        _published(comment)
        if comment.reader_id == reader_id:
            raise InvalidInput("report_own_comment", field="comment")
        if not _insert(session, CommentReport, comment_id=comment.id, reader_id=reader_id,
                       reason=reason, note=note, network_hash=network_hash, created_at=now):
            return False
        reports = session.execute(
            update(Comment).where(Comment.id == comment.id)
            .values(report_count=Comment.report_count + 1).returning(Comment.report_count)
            .execution_options(synchronize_session=False)).scalar_one()
        if (site.report_threshold and reports >= site.report_threshold
                and comment.reported_at is None
                and _reporting_networks(session, comment.id) >= site.report_threshold):
            _withhold(session, comment, reports, now)
    return True


def _reporting_networks(session: Session, comment_id: int) -> int:
    """Distinct hashed IP networks among a comment's reporters.

    Reader tokens are free, so the threshold counts networks: one person cycling tokens from
    one place cannot withhold a comment alone (the fresh-eyes review's abuse case).
    """
    return session.execute(select(func.count(func.distinct(CommentReport.network_hash))).where(
        CommentReport.comment_id == comment_id)).scalar_one()


def _withhold(session: Session, comment: Comment, reports: int, now: datetime) -> None:
    """Send a published comment back to the queue because of reader reports (see above)."""
    reasons = [*(comment.moderation_reasons or []),
               {"code": "reported", "decision": "hold", "spans": [], "reports": reports}]
    session.execute(
        update(Comment).where(Comment.id == comment.id,
                              Comment.status == CommentStatus.APPROVED)
        .values(status=CommentStatus.PENDING, reported_at=now, published_at=None,
                updated_at=now, moderation_reasons=reasons)
        .execution_options(synchronize_session=False))
    _bump_version(session, comment.article_id, published_delta=-1)
    session.add(ModerationAction(
        site_id=comment.site_id, comment_id=comment.id, moderator_id=None,
        action=ModerationActionKind.WITHHOLD, reason=f"reported:{reports}",
        from_status=CommentStatus.APPROVED.value, to_status=CommentStatus.PENDING.value,
        created_at=now))
    enqueue_comment_change(session, comment.article_id, comment.id, CommentStatus.APPROVED,
                           CommentStatus.PENDING, now)
