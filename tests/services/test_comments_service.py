"""Comment use cases: submission under pre/post-moderation, replies, keyset paging."""
import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.models import Article, Comment, CommentStatus
from engage.services import comments

LIMITS = CommentLimits(max_chars=200)


_texts = itertools.count()


def submit(ctx, site, now, text=None, parent=None, article="a1", reader="r1"):
    """Submit a comment; each default text is distinct (the same text twice from one reader
    is a duplicate: the pipeline would mark it spam)."""
    text = text if text is not None else f"Bài viết hay, ý kiến số {next(_texts)}"
    return comments.submit_comment(ctx, site, article, reader, "Độc giả", text, parent, "net",
                                   now, LIMITS)


def test_premoderated_comment_is_pending_and_not_counted(ctx, site, now):
    result = submit(ctx, site, now)
    assert result.status is CommentStatus.PENDING
    comment = ctx.get(Comment, result.id)
    assert comment.moderation_reasons == [{"code": "premoderation", "decision": "hold",
                                           "spans": []}]
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 0
    assert comments.thread_page(ctx, site, "a1").items == []


def test_post_moderated_comment_is_published_and_counted(ctx, open_site, now):
    result = submit(ctx, open_site, now, "Xem https://example.com/a.")
    assert result.status is CommentStatus.APPROVED
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 1
    page = comments.thread_page(ctx, open_site, "a1")
    [item] = page.items
    comment = item.comment
    assert item.replies == [] and comment.published_at == now
    assert '<a href="https://example.com/a"' in comment.body_html
    assert comment.body_html.endswith(".</p>")  # the full stop stays outside the link


def test_invalid_text_stores_nothing(ctx, open_site, now):
    with pytest.raises(InvalidInput):
        submit(ctx, open_site, now, "x" * 201)
    with pytest.raises(InvalidInput):
        submit(ctx, open_site, now, "   ")
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 0
    assert ctx.execute(select(func.count()).select_from(Article)).scalar_one() == 0


def test_closed_article_refuses_comments(ctx, open_site, now):
    submit(ctx, open_site, now)
    ctx.execute(Article.__table__.update().values(comments_open=False))
    ctx.commit()
    with pytest.raises(Forbidden):
        submit(ctx, open_site, now)


def test_reply_to_reply_attaches_to_top_level(ctx, open_site, now):
    top = submit(ctx, open_site, now).id
    reply = submit(ctx, open_site, now + timedelta(seconds=1), parent=top).id
    nested = submit(ctx, open_site, now + timedelta(seconds=2), parent=reply).id
    assert ctx.get(Comment, nested).parent_id == top
    [item] = comments.thread_page(ctx, open_site, "a1").items
    assert item.comment.id == top and [r.id for r in item.replies] == [reply, nested]
    assert item.reply_count == 2 and item.replies_cursor is None


def test_reply_to_unpublished_or_foreign_comment_is_refused(ctx, site, open_site, now):
    pending = submit(ctx, site, now).id  # pre-moderated: pending
    with pytest.raises(InvalidInput):
        submit(ctx, site, now, parent=pending)
    other = submit(ctx, open_site, now, article="other").id
    with pytest.raises(InvalidInput):
        submit(ctx, open_site, now, parent=other)  # another article
    with pytest.raises(InvalidInput):
        submit(ctx, open_site, now, parent=999999)


def test_keyset_paging_never_skips_or_repeats_while_posting(ctx, open_site, now):
    for i in range(7):
        submit(ctx, open_site, now + timedelta(minutes=i), f"bình luận {i}")
    first = comments.thread_page(ctx, open_site, "a1", limit=3)
    assert [i.comment.body_raw for i in first.items] == ["bình luận 6", "bình luận 5",
                                                          "bình luận 4"]
    submit(ctx, open_site, now + timedelta(hours=1), "mới")  # arrives between pages
    seen = [i.comment.body_raw for i in first.items]
    cursor = first.next_cursor
    while cursor:
        page = comments.thread_page(ctx, open_site, "a1", limit=3, cursor=cursor)
        seen += [i.comment.body_raw for i in page.items]
        cursor = page.next_cursor
    assert seen == [f"bình luận {i}" for i in range(6, -1, -1)]


def test_oldest_sort_and_same_timestamp_tiebreak(ctx, open_site, now):
    ids = [submit(ctx, open_site, now, f"c{i}").id for i in range(5)]  # identical times
    page = comments.thread_page(ctx, open_site, "a1", sort="oldest", limit=2)
    got = [i.comment.id for i in page.items]
    while page.next_cursor:
        page = comments.thread_page(ctx, open_site, "a1", sort="oldest", limit=2,
                                    cursor=page.next_cursor)
        got += [i.comment.id for i in page.items]
    assert got == ids


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WyJuZXdlc3QiLCAxLCAyXQ"])
def test_bad_cursor_is_invalid_input(ctx, open_site, now, cursor):
    submit(ctx, open_site, now)
    with pytest.raises(InvalidInput):
        comments.thread_page(ctx, open_site, "a1", cursor=cursor)


def test_cursor_of_another_sort_is_refused(ctx, open_site, now):
    for i in range(3):
        submit(ctx, open_site, now + timedelta(minutes=i))
    cursor = comments.thread_page(ctx, open_site, "a1", limit=1).next_cursor
    with pytest.raises(InvalidInput):
        comments.thread_page(ctx, open_site, "a1", sort="oldest", cursor=cursor)


def test_reading_unknown_article(ctx, site, now):
    assert comments.thread_page(ctx, site, "never-seen").article is None
    from engage.services import sites
    sites.create_site(ctx, "strict", "Strict", auto_create_articles=False)
    with pytest.raises(NotFound):
        comments.thread_page(ctx, "strict", "never-seen")


def test_replies_are_capped_per_comment_and_paged(ctx, open_site, now):
    top = submit(ctx, open_site, now).id
    other = submit(ctx, open_site, now + timedelta(seconds=1)).id
    replies = [submit(ctx, open_site, now + timedelta(minutes=i + 1), f"trả lời {i}",
                      parent=top).id for i in range(8)]
    page = comments.thread_page(ctx, open_site, "a1", replies_limit=3)
    by_id = {i.comment.id: i for i in page.items}
    assert [r.id for r in by_id[top].replies] == replies[:3]
    assert by_id[top].reply_count == 8 and by_id[other].reply_count == 0
    got, cursor = comments.replies_page(ctx, open_site, "a1", top, cursor=by_id[top].replies_cursor,
                                        limit=4)
    assert [r.id for r in got] == replies[3:7]
    got, cursor = comments.replies_page(ctx, open_site, "a1", top, cursor=cursor, limit=4)
    assert [r.id for r in got] == replies[7:] and cursor is None


def test_replies_page_refuses_foreign_or_nested_parents(ctx, open_site, now):
    top = submit(ctx, open_site, now).id
    reply = submit(ctx, open_site, now, parent=top).id
    elsewhere = submit(ctx, open_site, now, article="other").id
    for parent in (reply, elsewhere, 999999, 2**40):
        with pytest.raises(NotFound):
            comments.replies_page(ctx, open_site, "a1", parent)


def test_cursor_with_huge_id_is_invalid(ctx, open_site, now):
    import base64, json
    submit(ctx, open_site, now)
    raw = json.dumps(["newest", now.isoformat(), 2**63]).encode()
    with pytest.raises(InvalidInput):
        comments.thread_page(ctx, open_site, "a1",
                             cursor=base64.urlsafe_b64encode(raw).decode().rstrip("="))


@pytest.mark.parametrize("name", ["Ban biên tập.", "Bаn biên tập", "Biên Tập Viên", "Tòa soạn",
                                  "B.B.T", "Open News", "Ban biên tập Báo Open"])
def test_impersonating_names_are_refused(ctx, open_site, now, name):
    with pytest.raises(InvalidInput) as err:
        comments.submit_comment(ctx, open_site, "a1", "r1", name, "Nội dung", None, "net", now,
                                LIMITS)
    assert err.value.code == "author_name_reserved"


def test_moderator_display_names_are_reserved(ctx, open_site, now):
    from engage.services import accounts
    accounts.create_moderator(ctx, "m1", "long-password-1", "Trần Văn Kiểm", [open_site])
    with pytest.raises(InvalidInput):
        comments.submit_comment(ctx, open_site, "a1", "r1", "tran van kiem", "Nội dung", None,
                                "net", now, LIMITS)
    # Ordinary names that merely contain a short reserved word pass.
    assert submit(ctx, open_site, now).status.value == "approved"
    comments.submit_comment(ctx, open_site, "a1", "r1", "Badminton fan", "Chào", None, "net",
                            now, LIMITS)
