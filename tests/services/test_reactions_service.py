"""Likes and reports: exact counts, one per reader, tenant scope, reports withholding a comment."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.extensions import db
from engage.models import (
    Article, Comment, CommentLike, CommentReport, CommentStatus as S, ModerationAction,
    ModerationActionKind as K, Moderator, ReportReason as R, Site)
from engage.services import accounts, comments, counters, moderation, reactions, sites


def _post(ctx, site, now, text="Bình luận", article="a1", reader="author", parent=None):
    return comments.submit_comment(ctx, site, article, reader, "Độc giả", text, parent, "net",
                                   now, CommentLimits()).id


def _article(ctx, key="a1"):
    return ctx.execute(select(Article).where(Article.key == key)).scalar_one()


def _count(ctx, model):
    return ctx.execute(select(func.count()).select_from(model)).scalar_one()


def test_like_is_one_per_reader_undoable_and_exact(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    version = _article(ctx).version
    assert reactions.set_like(ctx, open_site, "a1", cid, "r1", True, now).like_count == 1
    assert reactions.set_like(ctx, open_site, "a1", cid, "r1", True, now).like_count == 1
    assert reactions.set_like(ctx, open_site, "a1", cid, "r2", True, now).like_count == 2
    assert _article(ctx).version == version + 2  # only real changes bump the read version
    result = reactions.set_like(ctx, open_site, "a1", cid, "r1", False, now)
    assert (result.like_count, result.liked) == (1, False)
    assert reactions.set_like(ctx, open_site, "a1", cid, "r1", False, now).like_count == 1
    assert ctx.get(Comment, cid).like_count == _count(ctx, CommentLike) == 1
    assert counters.verify_counters(ctx) == []


def test_only_published_comments_of_this_article_can_be_liked(ctx, site, open_site, now):
    pending = _post(ctx, site, now)  # pre-moderated: pending
    with pytest.raises(NotFound):
        reactions.set_like(ctx, site, "a1", pending, "r1", True, now)
    elsewhere = _post(ctx, open_site, now, article="other")
    for key, cid in (("a1", elsewhere), ("a1", 999999), ("a1", 2**40)):
        with pytest.raises(NotFound):
            reactions.set_like(ctx, open_site, key, cid, "r1", True, now)
    with pytest.raises(NotFound):  # another site's comment through this site's URL
        reactions.set_like(ctx, site, "other", elsewhere, "r1", True, now)
    with pytest.raises(NotFound):
        reactions.set_like(ctx, open_site, "never-seen", elsewhere, "r1", True, now)
    assert _count(ctx, CommentLike) == 0


def test_likes_refused_when_comments_are_closed(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    ctx.execute(Article.__table__.update().values(comments_open=False))
    ctx.commit()
    with pytest.raises(Forbidden):
        reactions.set_like(ctx, open_site, "a1", cid, "r1", True, now)


def test_twenty_concurrent_likes_by_one_reader_make_one(app, open_site, now):
    with app.app_context():
        cid = _post(db.session, open_site, now)

    def like(_):
        with app.app_context():
            return reactions.set_like(db.session, open_site, "a1", cid, "same", True, now)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(like, range(20)))
    assert {r.like_count for r in results} == {1}
    with app.app_context():
        assert _count(db.session, CommentLike) == 1
        assert db.session.get(Comment, cid).like_count == 1
        assert counters.verify_counters(db.session) == []


def test_concurrent_likes_and_unlikes_by_many_readers_stay_exact(app, open_site, now):
    with app.app_context():
        cid = _post(db.session, open_site, now)

    def toggle(i):
        with app.app_context():
            reactions.set_like(db.session, open_site, "a1", cid, f"r{i % 7}", i % 3 != 0, now)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(toggle, range(60)))
    with app.app_context():
        assert db.session.get(Comment, cid).like_count == _count(db.session, CommentLike)
        assert counters.verify_counters(db.session) == []


def test_verify_counters_finds_and_fixes_like_drift(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    reactions.set_like(ctx, open_site, "a1", cid, "r1", True, now)
    ctx.execute(Comment.__table__.update().values(like_count=5))
    ctx.commit()
    [drift] = counters.verify_counters(ctx)
    assert drift.differences == {f"like_count[{cid}]": (5, 1)}
    counters.verify_counters(ctx, fix=True)
    assert counters.verify_counters(ctx) == [] and ctx.get(Comment, cid).like_count == 1


def _reporters(ctx, site, cid, n, now, start=0):
    """``n`` reports from distinct readers on distinct networks (the threshold counts networks)."""
    return [reactions.report_comment(ctx, site, "a1", cid, f"reporter-{i}", R.SPAM, "",
                                     f"net-{i}", now) for i in range(start, start + n)]


def test_reports_below_threshold_keep_the_comment_published(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    assert _reporters(ctx, open_site, cid, 2, now) == [True, True]
    # The same reader again: no second report, the count does not move.
    assert not reactions.report_comment(ctx, open_site, "a1", cid, "reporter-0", R.OTHER,
                                        "lại", "net", now)
    comment = ctx.get(Comment, cid)
    assert (comment.status, comment.report_count, comment.reported_at) == (S.APPROVED, 2, None)
    assert _count(ctx, CommentReport) == 2 and _count(ctx, ModerationAction) == 0


def test_threshold_of_reports_sends_the_comment_back_to_the_queue(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    reply = _post(ctx, open_site, now, "trả lời", parent=cid)
    before = _article(ctx)
    count, version = before.comment_count, before.version
    _reporters(ctx, open_site, cid, 3, now + timedelta(minutes=1))
    comment = ctx.get(Comment, cid)
    assert comment.status is S.PENDING and comment.published_at is None
    assert comment.reported_at == now + timedelta(minutes=1) and comment.report_count == 3
    assert comment.moderation_reasons[-1]["code"] == "reported"
    article = _article(ctx)
    assert article.comment_count == count - 1 and article.version > version
    [audit] = ctx.execute(select(ModerationAction)).scalars()
    assert (audit.moderator_id, audit.action, audit.from_status, audit.to_status) == (
        None, K.WITHHOLD, "approved", "pending")
    # Its published reply stays readable, under a placeholder (no author, no text).
    [item] = comments.thread_page(ctx, open_site, "a1").items
    assert item.comment.id == cid and [r.id for r in item.replies] == [reply]
    with pytest.raises(NotFound):  # no longer public: no more reports or likes
        reactions.report_comment(ctx, open_site, "a1", cid, "late", R.SPAM, "", "net", now)
    assert ctx.get(Comment, reply).status is S.APPROVED
    assert counters.verify_counters(ctx) == []


def test_reported_queue_and_a_moderators_approval_is_final(ctx, open_site, now):
    mod = accounts.create_moderator(ctx, "m", "password-mmmm", "Kiểm duyệt", [open_site])
    mod = ctx.get(Moderator, mod.id)
    cid = _post(ctx, open_site, now)
    held = _post(ctx, open_site, now, "khác")  # pending for another reason: not "reported"
    ctx.execute(Comment.__table__.update().where(Comment.id == held).values(status="pending"))
    ctx.execute(Article.__table__.update().values(comment_count=1))
    ctx.commit()
    _reporters(ctx, open_site, cid, 3, now)
    assert [i.comment.id for i in moderation.queue(ctx, mod.id, S.PENDING, reported=True)] == [cid]
    counts = moderation.queue_counts(ctx, mod.id)
    assert (counts["pending"], counts["reported"]) == (2, 1)
    moderation.moderate(ctx, mod, cid, K.APPROVE, S.PENDING, now)
    assert moderation.queue(ctx, mod.id, S.PENDING, reported=True) == []
    _reporters(ctx, open_site, cid, 3, now, start=10)  # more reports after the review
    comment = ctx.get(Comment, cid)
    assert comment.status is S.APPROVED and comment.report_count == 6
    assert counters.verify_counters(ctx) == []


def test_threshold_is_a_site_setting(ctx, open_site, now):
    ctx.execute(Site.__table__.update().values(report_threshold=1))
    ctx.commit()
    cid = _post(ctx, open_site, now)
    _reporters(ctx, open_site, cid, 1, now)
    assert ctx.get(Comment, cid).status is S.PENDING
    ctx.execute(Site.__table__.update().values(report_threshold=0))  # 0: never withhold
    ctx.commit()
    other = _post(ctx, open_site, now, "khác")
    _reporters(ctx, open_site, other, 5, now)
    assert ctx.get(Comment, other).status is S.APPROVED
    assert counters.verify_counters(ctx) == []


def test_concurrent_reports_withhold_once(app, open_site, now):
    with app.app_context():
        cid = _post(db.session, open_site, now)

    def report(i):
        with app.app_context():
            try:
                reactions.report_comment(db.session, open_site, "a1", cid, f"r{i % 6}",
                                         R.OFFENSIVE, "", f"net-{i % 6}", now)
            except NotFound:  # withheld by the third report: no longer public
                pass

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(report, range(24)))
    with app.app_context():
        comment = db.session.get(Comment, cid)
        assert comment.report_count == _count(db.session, CommentReport) == 3  # then unpublished
        assert _count(db.session, ModerationAction) == 1
        assert _article(db.session).comment_count == 0
        assert counters.verify_counters(db.session) == []


def test_report_note_is_normalised_and_limited(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    with pytest.raises(InvalidInput) as err:
        reactions.report_comment(ctx, open_site, "a1", cid, "r1", R.OTHER, "x" * 501, "n", now)
    assert err.value.code == "report_note_too_long"
    reactions.report_comment(ctx, open_site, "a1", cid, "r1", R.OTHER,
                             "Sai\u202e sự thật", "n", now)
    note = ctx.execute(select(CommentReport.note)).scalar_one()
    assert note == "Sai sự thật"  # the bidi override is gone
