"""Thread sorts: most liked (like_count, created_at, id) with keyset paging; cursor checks."""
import base64
import json
from datetime import timedelta

import pytest

from engage.domain.comments import CommentLimits
from engage.domain.errors import InvalidInput
from engage.services import comments, reactions
from engage.services.keyset import decode_cursor, encode_cursor


def _post(ctx, site, now, text, reader="author"):
    return comments.submit_comment(ctx, site, "a1", reader, "Độc giả", text, None, "net", now,
                                   CommentLimits()).id


def _all_pages(ctx, site, sort, limit):
    page = comments.thread_page(ctx, site, "a1", sort=sort, limit=limit)
    seen = [i.comment.id for i in page.items]
    while page.next_cursor:
        page = comments.thread_page(ctx, site, "a1", sort=sort, limit=limit,
                                    cursor=page.next_cursor)
        seen += [i.comment.id for i in page.items]
    return seen


def test_most_liked_orders_by_likes_then_newest(ctx, open_site, now):
    ids = [_post(ctx, open_site, now + timedelta(minutes=i), f"c{i}") for i in range(6)]
    likes = {ids[0]: 3, ids[1]: 1, ids[2]: 3, ids[4]: 1}
    for cid, n in likes.items():
        for r in range(n):
            reactions.set_like(ctx, open_site, "a1", cid, f"fan{r}", True, now)
    page = comments.thread_page(ctx, open_site, "a1", sort="most_liked")
    assert [i.comment.id for i in page.items] == [ids[2], ids[0], ids[4], ids[1], ids[5], ids[3]]
    assert [i.comment.like_count for i in page.items] == [3, 3, 1, 1, 0, 0]


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_most_liked_paging_never_skips_or_repeats(ctx, open_site, now, limit):
    ids = [_post(ctx, open_site, now + timedelta(seconds=i // 3), f"c{i}") for i in range(11)]
    for i, cid in enumerate(ids):  # many ties on likes and on time: the id decides
        for r in range(i % 3):
            reactions.set_like(ctx, open_site, "a1", cid, f"fan{r}", True, now)
    expected = [i.comment.id for i in comments.thread_page(ctx, open_site, "a1",
                                                            sort="most_liked", limit=50).items]
    assert sorted(expected) == sorted(ids)
    assert _all_pages(ctx, open_site, "most_liked", limit) == expected


def test_most_liked_paging_while_comments_arrive(ctx, open_site, now):
    ids = [_post(ctx, open_site, now + timedelta(minutes=i), f"c{i}") for i in range(6)]
    for cid in ids[:3]:
        reactions.set_like(ctx, open_site, "a1", cid, "fan", True, now)
    first = comments.thread_page(ctx, open_site, "a1", sort="most_liked", limit=4)
    _post(ctx, open_site, now + timedelta(hours=1), "mới")  # arrives between the pages
    rest = comments.thread_page(ctx, open_site, "a1", sort="most_liked", limit=4,
                                cursor=first.next_cursor)
    seen = [i.comment.id for i in first.items + rest.items]
    assert seen == [ids[2], ids[1], ids[0], ids[5], ids[4], ids[3]]


def test_cursor_round_trip_and_refusals(now):
    cursor = encode_cursor("most_liked", now, 7, like_count=3)
    assert decode_cursor(cursor, "most_liked") == (3, now, 7)
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, "newest")
    with pytest.raises(InvalidInput):  # a newest cursor passed off as most liked
        decode_cursor(encode_cursor("most_liked", now, 7, like_count=3)[:-2], "most_liked")
    for bad in (["most_liked", now.isoformat(), 7], ["most_liked", -1, now.isoformat(), 7],
                ["most_liked", "3", now.isoformat(), 7], ["most_liked", True, now.isoformat(), 7],
                ["most_liked", 2**40, now.isoformat(), 7]):
        raw = base64.urlsafe_b64encode(json.dumps(bad).encode()).decode().rstrip("=")
        with pytest.raises(InvalidInput):
            decode_cursor(raw, "most_liked")


def test_unknown_sort_is_refused(ctx, open_site):
    with pytest.raises(InvalidInput):
        comments.thread_page(ctx, open_site, "a1", sort="popular")
