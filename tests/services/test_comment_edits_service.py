"""Editing and deleting one's own comment: window, ownership, re-moderation, placeholders, counts."""
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.domain.comments import CommentLimits
from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.models import (
    Article, Comment, CommentStatus as S, ModerationAction, ModerationActionKind as K, Moderator,
    ReportReason)
from engage.services import (
    accounts, comment_edits, comments, counters, moderation, reactions, reader_state)

LIMITS = CommentLimits(max_chars=200)
WINDOW = 300


def _post(ctx, site, now, text="Bình luận đầu tiên", reader="author", parent=None):
    return comments.submit_comment(ctx, site, "a1", reader, "Độc giả", text, parent, "net", now,
                                   LIMITS).id


def _edit(ctx, site, cid, text, now, reader="author"):
    return comment_edits.edit_comment(ctx, site, "a1", cid, reader, text, now, LIMITS, WINDOW)


def _delete(ctx, site, cid, now, reader="author"):
    return comment_edits.delete_comment(ctx, site, "a1", cid, reader, now, WINDOW)


def _article(ctx):
    return ctx.execute(select(Article)).scalar_one()


def _mod(ctx, site):
    made = accounts.create_moderator(ctx, "m", "password-mmmm", "Kiểm duyệt", [site])
    return ctx.get(Moderator, made.id)


def test_edit_within_window_rerenders_and_keeps_published_post_moderated(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    version = _article(ctx).version
    result = _edit(ctx, open_site, cid, "Xem  https://example.com/a.\n\n\n\nHết", now + timedelta(minutes=4))
    assert result.status is S.APPROVED and result.edited_at == now + timedelta(minutes=4)
    comment = ctx.get(Comment, cid)
    assert comment.body_raw == "Xem  https://example.com/a.\n\nHết"  # normalised again
    assert '<a href="https://example.com/a"' in comment.body_html and comment.published_at == now
    assert _article(ctx).version > version and _article(ctx).comment_count == 1
    [item] = comments.thread_page(ctx, open_site, "a1").items
    assert item.comment.edited_at is not None
    assert ctx.execute(select(ModerationAction)).first() is None  # no state change, no audit
    assert counters.verify_counters(ctx) == []


def test_edit_under_premoderation_goes_back_to_the_queue(ctx, site, now):
    mod = _mod(ctx, site)
    cid = _post(ctx, site, now)
    moderation.moderate(ctx, mod, cid, K.APPROVE, S.PENDING, now)
    assert _article(ctx).comment_count == 1
    result = _edit(ctx, site, cid, "Nội dung mới, chưa ai duyệt", now + timedelta(minutes=1))
    assert result.status is S.PENDING
    comment = ctx.get(Comment, cid)
    assert comment.status is S.PENDING and comment.published_at is None
    assert comment.moderation_reasons[0]["code"] == "premoderation"
    assert _article(ctx).comment_count == 0
    assert comments.thread_page(ctx, site, "a1").items == []
    audit = ctx.execute(select(ModerationAction).order_by(ModerationAction.id.desc())).scalars().first()
    assert (audit.action, audit.moderator_id, audit.from_status, audit.to_status) == (
        K.READER_EDIT, None, "approved", "pending")
    assert counters.verify_counters(ctx) == []


def test_same_text_again_changes_nothing(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    version = _article(ctx).version
    result = _edit(ctx, open_site, cid, unicodedata.normalize("NFD", "Bình luận đầu tiên"), now)
    assert result.edited_at is None and _article(ctx).version == version


def test_edit_window_and_ownership_are_checked(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    with pytest.raises(Forbidden) as err:
        _edit(ctx, open_site, cid, "muộn", now + timedelta(seconds=WINDOW + 1))
    assert err.value.code == "edit_window_closed" and err.value.params["minutes"] == 5
    with pytest.raises(Forbidden) as err:
        _delete(ctx, open_site, cid, now + timedelta(seconds=WINDOW + 1))
    assert err.value.code == "edit_window_closed"
    with pytest.raises(Forbidden) as err:
        _edit(ctx, open_site, cid, "của người khác", now, reader="intruder")
    assert err.value.code == "comment_not_yours"
    with pytest.raises(Forbidden):
        _delete(ctx, open_site, cid, now, reader="intruder")
    assert _edit(ctx, open_site, cid, "đúng hạn", now + timedelta(seconds=WINDOW)).html
    comment = ctx.get(Comment, cid)
    assert comment.body_raw == "đúng hạn" and comment.status is S.APPROVED


def test_others_unpublished_comment_is_not_found_and_rejected_is_final(ctx, site, now):
    mod = _mod(ctx, site)
    cid = _post(ctx, site, now)  # pending
    with pytest.raises(NotFound):
        _edit(ctx, site, cid, "x", now, reader="intruder")
    moderation.moderate(ctx, mod, cid, K.REJECT, S.PENDING, now, reason_code="insult")
    for action in (lambda: _edit(ctx, site, cid, "sửa để lọt", now),
                   lambda: _delete(ctx, site, cid, now)):
        with pytest.raises(Forbidden) as err:
            action()
        assert err.value.code == "comment_not_editable"
    assert ctx.get(Comment, cid).status is S.REJECTED


def test_bad_edit_text_stores_nothing(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    for text in ("   ", "x" * 201):
        with pytest.raises(InvalidInput):
            _edit(ctx, open_site, cid, text, now)
    assert ctx.get(Comment, cid).body_raw == "Bình luận đầu tiên"


def test_edit_cannot_release_a_comment_withheld_by_reports(ctx, open_site, now):
    cid = _post(ctx, open_site, now)
    for i in range(3):
        reactions.report_comment(ctx, open_site, "a1", cid, f"r{i}", ReportReason.SPAM, "",
                                 f"n{i}", now)
    result = _edit(ctx, open_site, cid, "Giờ thì ngoan rồi", now + timedelta(minutes=1))
    assert result.status is S.PENDING
    codes = [r["code"] for r in ctx.get(Comment, cid).moderation_reasons]
    assert "reported" in codes
    assert counters.verify_counters(ctx) == []


def test_delete_keeps_published_replies_under_a_placeholder(ctx, open_site, now):
    top = _post(ctx, open_site, now)
    replies = [_post(ctx, open_site, now + timedelta(seconds=i + 1), f"trả lời {i}",
                     reader=f"r{i}", parent=top) for i in range(4)]
    lonely = _post(ctx, open_site, now + timedelta(seconds=10), "không ai trả lời")
    assert _article(ctx).comment_count == 6
    version = _article(ctx).version
    _delete(ctx, open_site, top, now + timedelta(minutes=1))
    _delete(ctx, open_site, lonely, now + timedelta(minutes=1))
    assert _delete(ctx, open_site, top, now + timedelta(hours=1)).id == top  # again: no-op
    assert _article(ctx).comment_count == 4 and _article(ctx).version > version
    page = comments.thread_page(ctx, open_site, "a1", replies_limit=3)
    [item] = page.items  # the lonely deleted comment disappears entirely
    assert item.comment.id == top and item.comment.status is S.DELETED
    assert [r.id for r in item.replies] == replies[:3] and item.reply_count == 4
    more, _ = comments.replies_page(ctx, open_site, "a1", top, cursor=item.replies_cursor)
    assert [r.id for r in more] == replies[3:]
    with pytest.raises(InvalidInput):  # no new replies to a deleted comment
        _post(ctx, open_site, now, "muộn", parent=top)
    audits = ctx.execute(select(ModerationAction.action)).scalars().all()
    assert audits == [K.READER_DELETE, K.READER_DELETE]
    assert counters.verify_counters(ctx) == []


def test_placeholder_disappears_when_its_replies_are_unpublished(ctx, open_site, now):
    mod = _mod(ctx, open_site)
    top = _post(ctx, open_site, now)
    reply = _post(ctx, open_site, now, "trả lời", reader="r1", parent=top)
    _delete(ctx, open_site, top, now)
    assert len(comments.thread_page(ctx, open_site, "a1").items) == 1
    moderation.moderate(ctx, mod, reply, K.REJECT, S.APPROVED, now, reason_code="insult")
    assert comments.thread_page(ctx, open_site, "a1").items == []


def test_reader_state_lists_likes_and_editable_comments(ctx, open_site, now):
    mine = _post(ctx, open_site, now, reader="me")
    old = _post(ctx, open_site, now - timedelta(minutes=10), "cũ", reader="me")
    theirs = _post(ctx, open_site, now, "của người khác", reader="you")
    reactions.set_like(ctx, open_site, "a1", theirs, "me", True, now)
    comments.submit_comment(ctx, open_site, "a1", "me", "Tôi", "xin chào", None, "n", now, LIMITS)
    state = reader_state.reader_state(ctx, open_site, "a1", "me", now, WINDOW)
    assert state.liked == [theirs] and mine in state.own and old not in state.own
    assert state.own[mine] == now + timedelta(seconds=WINDOW) and state.rating is None
    _delete(ctx, open_site, mine, now, reader="me")
    assert mine not in reader_state.reader_state(ctx, open_site, "a1", "me", now, WINDOW).own
    empty = reader_state.reader_state(ctx, open_site, "not-yet", "me", now, WINDOW)
    assert (empty.rating, empty.liked, empty.own) == (None, [], {})


@pytest.mark.parametrize("sort", ["newest", "oldest", "most_liked"])
def test_placeholders_keep_their_place_across_pages(ctx, open_site, now, sort):
    tops = [_post(ctx, open_site, now + timedelta(seconds=i), f"c{i}") for i in range(5)]
    _post(ctx, open_site, now + timedelta(minutes=1), "trả lời", reader="r1", parent=tops[2])
    _delete(ctx, open_site, tops[2], now + timedelta(minutes=2))
    page = comments.thread_page(ctx, open_site, "a1", sort=sort, limit=2)
    seen = [i.comment.id for i in page.items]
    while page.next_cursor:
        page = comments.thread_page(ctx, open_site, "a1", sort=sort, limit=2,
                                    cursor=page.next_cursor)
        seen += [i.comment.id for i in page.items]
    assert seen == (tops if sort == "oldest" else tops[::-1])
