"""Workspace use cases: bulk decisions, undo, queue filters and paging, reader history, audit."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.errors import Conflict, InvalidInput, NotFound
from engage.models import (Article, Ban, BanScope, Comment, CommentStatus as S, ModerationAction,
                           ModerationActionKind as K, Moderator)
from engage.services import accounts, audit, comments, counters, moderation_actions as acts, sites
from engage.services.moderation_queue import QueueFilter, queue_counts, queue_page

WINDOW = 120


@pytest.fixture
def mods(ctx, site):
    sites.create_site(ctx, "other", "Other paper", auto_create_articles=True)
    a = accounts.create_moderator(ctx, "a", "password-aaaa", "Người A", [site])
    b = accounts.create_moderator(ctx, "b", "password-bbbb", "Người B", [site])
    o = accounts.create_moderator(ctx, "o", "password-oooo", "Other", ["other"])
    return {k: ctx.get(Moderator, m.id) for k, m in {"a": a, "b": b, "o": o}.items()}


def _post(ctx, now, n=1, site="news", article="a1", reader="r1", text="Nội dung {i}", **kw):
    return [comments.submit_comment(ctx, site, article, reader, "Độc giả", text.format(i=i),
                                    kw.get("parent"), "net", now + timedelta(seconds=i),
                                    CommentLimits()).id for i in range(n)]


def _audit_rows(ctx):
    return ctx.execute(select(func.count()).select_from(ModerationAction)).scalar_one()


def _published(ctx):
    return ctx.execute(select(func.sum(Article.comment_count))).scalar_one() or 0


def test_bulk_approve_writes_one_audit_row_per_comment_in_one_go(ctx, mods, now):
    ids = _post(ctx, now, 5)
    result = acts.decide(ctx, mods["a"], ids, K.APPROVE, S.PENDING, now, request_id="req-b")
    assert result.done == ids and result.skipped == []
    rows = ctx.execute(select(ModerationAction).order_by(ModerationAction.id)).scalars().all()
    assert [r.comment_id for r in rows] == ids
    assert {(r.action, r.from_status, r.to_status, r.request_id, r.moderator_id, r.site_id)
            for r in rows} == {(K.APPROVE, "pending", "approved", "req-b", mods["a"].id,
                                rows[0].site_id)}
    assert _published(ctx) == 5 and counters.verify_counters(ctx) == []


def test_bulk_reject_needs_a_reason_code_from_the_list(ctx, mods, now):
    ids = _post(ctx, now, 2)
    for code, note, error, field in (("", "", "reason_required", "reason_code"),
                                     ("rude", "", "reason_invalid", "reason_code"),
                                     ("other", " ", "note_required", "note"),
                                     ("other", "x" * 501, "reason_too_long", "note")):
        with pytest.raises(InvalidInput) as err:
            acts.decide(ctx, mods["a"], ids, K.REJECT, S.PENDING, now, reason_code=code,
                        note=note)
        assert (err.value.code, err.value.params["field"]) == (error, field)
        # only the length has a limit to tell (every error said "limit": 500 before)
        assert err.value.params.get("limit") == (500 if error == "reason_too_long" else None)
    with pytest.raises(InvalidInput):
        acts.decide(ctx, mods["a"], ids, K.APPROVE, S.PENDING, now, reason_code="insult")
    assert _audit_rows(ctx) == 0
    acts.decide(ctx, mods["a"], ids, K.REJECT, S.PENDING, now, reason_code="other",
                note="Lặp lại nội dung")
    assert set(ctx.execute(select(ModerationAction.reason_code, ModerationAction.reason))) == {
        ("other", "Lặp lại nội dung")}


def test_bulk_with_another_sites_id_changes_nothing(ctx, mods, now):
    mine = _post(ctx, now, 2)
    theirs = _post(ctx, now, 1, site="other")
    with pytest.raises(NotFound):
        acts.decide(ctx, mods["a"], mine + theirs, K.SPAM, S.PENDING, now)
    assert _audit_rows(ctx) == 0
    assert set(ctx.execute(select(Comment.status)).scalars()) == {S.PENDING}


def test_bulk_skips_and_reports_what_another_moderator_handled(ctx, mods, now):
    ids = _post(ctx, now, 3)
    acts.decide(ctx, mods["b"], [ids[1]], K.SPAM, S.PENDING, now)
    result = acts.decide(ctx, mods["a"], ids, K.APPROVE, S.PENDING, now + timedelta(seconds=5))
    assert result.done == [ids[0], ids[2]]
    [skipped] = result.skipped
    assert (skipped.comment_id, skipped.status, skipped.by, skipped.at) == (ids[1], "spam",
                                                                             "Người B", now)
    assert ctx.get(Comment, ids[1]).status is S.SPAM and _audit_rows(ctx) == 3


def test_undo_restores_state_counts_and_writes_its_own_row(ctx, mods, now):
    ids = _post(ctx, now, 3)
    acts.decide(ctx, mods["a"], ids, K.APPROVE, S.PENDING, now, request_id="bulk-1")
    first = ctx.execute(select(ModerationAction.id).order_by(ModerationAction.id)).scalars().first()
    assert _published(ctx) == 3
    result = acts.undo(ctx, mods["a"], first, now + timedelta(seconds=30), WINDOW, "undo-1")
    assert sorted(result.done) == sorted(ids)
    ctx.expire_all()
    assert {ctx.get(Comment, i).status for i in ids} == {S.PENDING}
    assert _published(ctx) == 0 and counters.verify_counters(ctx) == []
    undos = ctx.execute(select(ModerationAction).where(
        ModerationAction.action == K.UNDO)).scalars().all()
    assert len(undos) == 3 and {(u.from_status, u.to_status, u.request_id) for u in undos} == {
        ("approved", "pending", "undo-1")}
    with pytest.raises(Conflict):
        acts.undo(ctx, mods["a"], first, now + timedelta(seconds=31), WINDOW)


def test_undo_of_unpublishing_republishes(ctx, mods, now):
    [cid] = _post(ctx, now)
    acts.decide(ctx, mods["a"], [cid], K.APPROVE, S.PENDING, now)
    acts.decide(ctx, mods["a"], [cid], K.REJECT, S.APPROVED, now + timedelta(seconds=1),
                reason_code="insult", request_id="r2")
    row = ctx.execute(select(ModerationAction.id).where(
        ModerationAction.action == K.REJECT)).scalar_one()
    assert _published(ctx) == 0
    acts.undo(ctx, mods["a"], row, now + timedelta(seconds=2), WINDOW)
    ctx.expire_all()
    assert ctx.get(Comment, cid).status is S.APPROVED and _published(ctx) == 1


def test_undo_window_owner_and_changed_comment(ctx, mods, now):
    a, b = _post(ctx, now, 2)
    acts.decide(ctx, mods["a"], [a], K.SPAM, S.PENDING, now, request_id="x1")
    acts.decide(ctx, mods["a"], [b], K.SPAM, S.PENDING, now, request_id="x2")
    row_a, row_b = ctx.execute(select(ModerationAction.id).order_by(
        ModerationAction.id)).scalars().all()
    with pytest.raises(InvalidInput) as err:
        acts.undo(ctx, mods["a"], row_a, now + timedelta(seconds=WINDOW + 1), WINDOW)
    assert err.value.code == "undo_expired"
    with pytest.raises(NotFound):  # someone else's decision (same site) is not yours to undo
        acts.undo(ctx, mods["b"], row_a, now, WINDOW)
    with pytest.raises(NotFound):
        acts.undo(ctx, mods["o"], row_a, now, WINDOW)
    # b was changed by another moderator since: undo leaves it and says so.
    acts.decide(ctx, mods["b"], [b], K.APPROVE, S.SPAM, now + timedelta(seconds=1))
    result = acts.undo(ctx, mods["a"], row_b, now + timedelta(seconds=2), WINDOW)
    assert result.done == [] and result.skipped[0].status == "approved"
    ctx.expire_all()
    assert ctx.get(Comment, b).status is S.APPROVED


def test_recent_decisions_group_batches_and_drop_undone(ctx, mods, now):
    ids = _post(ctx, now, 3)
    acts.decide(ctx, mods["a"], ids[:2], K.APPROVE, S.PENDING, now, request_id="bulk")
    acts.decide(ctx, mods["a"], ids[2:], K.SPAM, S.PENDING, now + timedelta(seconds=1),
                request_id="one")
    recent = acts.recent_decisions(ctx, mods["a"].id, now + timedelta(seconds=2), WINDOW)
    assert [(r.action, r.count) for r in recent] == [(K.SPAM, 1), (K.APPROVE, 2)]
    acts.undo(ctx, mods["a"], recent[0].action_id, now + timedelta(seconds=3), WINDOW)
    recent = acts.recent_decisions(ctx, mods["a"].id, now + timedelta(seconds=4), WINDOW)
    assert [(r.action, r.count) for r in recent] == [(K.APPROVE, 2)]
    assert acts.recent_decisions(ctx, mods["a"].id, now + timedelta(seconds=WINDOW + 5),
                                 WINDOW) == []
    assert acts.recent_decisions(ctx, mods["b"].id, now, WINDOW) == []


def test_queue_keyset_pages_cover_everything_once(ctx, mods, now):
    ids = _post(ctx, now, 7)
    seen, cursor = [], None
    while True:
        page = queue_page(ctx, mods["a"].id, QueueFilter(), 3, cursor)
        seen += [i.comment.id for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids
    newest = queue_page(ctx, mods["a"].id, QueueFilter(order="newest"), 2)
    assert [i.comment.id for i in newest.items] == ids[::-1][:2]


def test_queue_filters_by_article_reader_reason_and_site(ctx, mods, now):
    a1 = _post(ctx, now, 2, article="a1", reader="r1")
    a2 = _post(ctx, now, 1, article="a2", reader="r2", text="Xem https://a.vn https://b.vn https://c.vn {i}")
    aid = ctx.execute(select(Article.id).where(Article.key == "a2")).scalar_one()
    mid = mods["a"].id

    def ids(**kw):
        return [i.comment.id for i in queue_page(ctx, mid, QueueFilter(**kw), 50).items]

    assert ids(article_id=aid) == a2
    assert ids(reader="r1") == a1
    assert ids(reason="too_many_links") == a2
    assert ids(reason="premoderation") == [a1[0], a2[0], a1[1]]  # oldest first, then id
    other = ctx.execute(select(Article.site_id).where(Article.key == "a1")).scalar_one() + 1
    assert ids(site_id=other) == []
    with pytest.raises(InvalidInput):
        queue_page(ctx, mid, QueueFilter(reason="x'; drop"), 50)
    with pytest.raises(InvalidInput, match="reason_invalid"):  # well-formed, but no such code
        queue_page(ctx, mid, QueueFilter(reason="not_a_reason"), 50)
    with pytest.raises(InvalidInput):
        queue_page(ctx, mid, QueueFilter(queue="everything"), 50)


def test_queue_item_has_parent_and_reader_history(ctx, mods, now):
    [parent] = _post(ctx, now, 1, reader="r9")
    acts.decide(ctx, mods["a"], [parent], K.APPROVE, S.PENDING, now)
    [older] = _post(ctx, now - timedelta(days=3), 1, reader="r1", text="cũ")
    acts.decide(ctx, mods["a"], [older], K.REJECT, S.PENDING, now, reason_code="vulgar")
    [reply] = _post(ctx, now + timedelta(minutes=1), 1, reader="r1", parent=parent,
                    text="trả lời")
    site_id = ctx.get(Comment, reply).site_id
    ctx.add(Ban(site_id=site_id, scope=BanScope.READER, value="r1", reason="x", created_at=now))
    ctx.commit()
    [item] = queue_page(ctx, mods["a"].id, QueueFilter(), 50).items
    assert item.comment.id == reply and item.parent.id == parent
    h = item.history
    assert (h.approved, h.rejected, h.pending, h.bans) == (0, 1, 1, 1)
    assert h.first_seen == now - timedelta(days=3)


def test_counts_per_site(ctx, mods, now):
    _post(ctx, now, 2)
    _post(ctx, now, 1, site="other")
    assert queue_counts(ctx, mods["a"].id)["pending"] == 2
    assert queue_counts(ctx, mods["o"].id)["pending"] == 1


def test_audit_search_filters_and_scope(ctx, mods, now):
    a1 = _post(ctx, now, 2, reader="r1")
    [r2] = _post(ctx, now, 1, reader="r2")
    acts.decide(ctx, mods["a"], a1, K.APPROVE, S.PENDING, now)
    acts.decide(ctx, mods["b"], [r2], K.REJECT, S.PENDING, now + timedelta(hours=2),
                reason_code="hate")
    mid = mods["a"].id

    def found(**kw):
        return sorted(r.action.comment_id for r in audit.search(ctx, mid, audit.AuditQuery(**kw)))

    assert found() == sorted(a1 + [r2])
    assert found(moderator="b") == [r2]
    assert found(action="approve") == sorted(a1)
    assert found(comment_id=a1[0]) == [a1[0]]
    assert found(reader="r1") == sorted(a1)
    assert found(since=now + timedelta(hours=1)) == [r2]
    assert found(until=now + timedelta(hours=1)) == sorted(a1)
    assert audit.search(ctx, mods["o"].id, audit.AuditQuery()) == []
    with pytest.raises(InvalidInput):
        found(action="explode")
    page1 = audit.search(ctx, mid, audit.AuditQuery(), limit=2)
    page2 = audit.search(ctx, mid, audit.AuditQuery(), limit=2,
                         before=(page1[-1].action.created_at, page1[-1].action.id))
    assert len({r.action.id for r in page1 + page2}) == 3


def test_csv_export_neutralises_formulas(ctx, mods, now):
    [cid] = _post(ctx, now, 1)
    acts.decide(ctx, mods["a"], [cid], K.REJECT, S.PENDING, now, reason_code="other",
                note="=HYPERLINK(\"http://evil\")")
    text = "".join(audit.export_csv(ctx, mods["a"].id, audit.AuditQuery()))
    lines = text.splitlines()
    assert lines[0].startswith("id,time_utc,site,moderator,action")
    assert "'=HYPERLINK" in lines[1] and ",=HYPERLINK" not in lines[1]
    assert [audit.csv_safe(v) for v in ("+1", "-2", "@x", "ok", 5)] == ["'+1", "'-2", "'@x",
                                                                         "ok", "5"]


def test_a_comment_its_author_deleted_cannot_be_republished(ctx, mods, now):
    [cid] = _post(ctx, now)
    ctx.execute(Comment.__table__.update().where(Comment.id == cid).values(status=S.DELETED))
    ctx.commit()
    with pytest.raises(InvalidInput) as err:
        acts.decide(ctx, mods["a"], [cid], K.APPROVE, S.DELETED, now)
    assert err.value.code == "comment_deleted" and _audit_rows(ctx) == 0
