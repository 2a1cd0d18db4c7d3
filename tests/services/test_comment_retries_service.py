"""Retries and doubles of comment posts: Idempotency-Key replay, same text within the window."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.errors import InvalidInput
from engage.extensions import db
from engage.models import Article, ClaimScope, Comment, CommentStatus as S, RequestClaim
from engage.services import comment_edits, comments, counters, idempotency
from engage.services.idempotency import RetryGuard

DOUBLES = RetryGuard(duplicate_window_s=60)


def _key(key, digest="body-1", ttl=86400):
    return RetryGuard(key, digest, ttl, 60)


def _post(ctx, site, now, text="Bình luận", retry=DOUBLES, reader="r1", article="a1",
          parent=None):
    return comments.submit_comment(ctx, site, article, reader, "Độc giả", text, parent, "net",
                                   now, CommentLimits(), retry=retry)


def _comments(ctx):
    return ctx.execute(select(func.count()).select_from(Comment)).scalar_one()


def test_same_key_and_body_gets_the_first_answer(ctx, site, now):
    first = _post(ctx, site, now, retry=_key("k-1"))
    again = _post(ctx, site, now + timedelta(hours=1), retry=_key("k-1"))
    assert (again.id, again.status, again.replayed) == (first.id, S.PENDING, True)
    assert not first.replayed and _comments(ctx) == 1


def test_first_answer_is_replayed_even_after_moderation(ctx, open_site, now):
    first = _post(ctx, open_site, now, retry=_key("k-1"))
    ctx.execute(Comment.__table__.update().values(status="rejected"))
    ctx.execute(Article.__table__.update().values(comment_count=0))
    ctx.commit()
    assert _post(ctx, open_site, now, retry=_key("k-1")).status is S.APPROVED  # as first told


def test_same_key_with_another_body_is_refused(ctx, site, now):
    _post(ctx, site, now, retry=_key("k-1"))
    with pytest.raises(InvalidInput) as err:
        _post(ctx, site, now, "Khác hẳn", retry=_key("k-1", "body-2"))
    assert err.value.code == "idempotency_key_reused" and _comments(ctx) == 1


def test_keys_belong_to_one_reader_and_expire(ctx, site, now):
    first = _post(ctx, site, now, retry=_key("k-1", ttl=3600))
    other_reader = _post(ctx, site, now, retry=_key("k-1", ttl=3600), reader="r2")
    assert other_reader.id != first.id
    later = _post(ctx, site, now + timedelta(hours=2), "Sau hai giờ", retry=_key("k-1", "b2"))
    assert later.id not in (first.id, other_reader.id) and not later.replayed


def test_same_text_within_the_window_is_the_same_comment(ctx, open_site, now):
    first = _post(ctx, open_site, now, "Hay quá!")
    double = _post(ctx, open_site, now + timedelta(seconds=59), "Hay quá!")
    assert (double.id, double.replayed) == (first.id, True)
    assert _post(ctx, open_site, now + timedelta(seconds=30), "Hay quá!", reader="r2").id != first.id
    assert _post(ctx, open_site, now + timedelta(seconds=30), "Hay quá! ", article="a2").id != first.id
    reply = _post(ctx, open_site, now + timedelta(seconds=30), "Hay quá!", parent=first.id)
    assert reply.id != first.id  # the same words in answer to someone are a new comment
    later = _post(ctx, open_site, now + timedelta(seconds=61), "Hay quá!")
    assert later.id != first.id and not later.replayed
    assert ctx.execute(select(Article.comment_count).where(Article.key == "a1")).scalar_one() == 4
    assert counters.verify_counters(ctx) == []


def test_the_same_text_in_another_unicode_form_is_a_double(ctx, open_site, now):
    import unicodedata
    first = _post(ctx, open_site, now, "Cảm ơn tòa soạn")
    again = _post(ctx, open_site, now, unicodedata.normalize("NFD", "Cảm ơn tòa soạn") + "\u200b")
    assert again.id == first.id


def test_a_new_key_with_a_doubled_text_gets_the_first_comment_and_keeps_it(ctx, site, now):
    first = _post(ctx, site, now, retry=_key("k-1"))
    second = _post(ctx, site, now, retry=_key("k-2", "body-2"))
    assert second.id == first.id
    assert _post(ctx, site, now + timedelta(hours=1), retry=_key("k-2", "body-2")).id == first.id


def test_deleting_or_editing_releases_the_text(ctx, open_site, now):
    first = _post(ctx, open_site, now, "Lỡ tay")
    comment_edits.delete_comment(ctx, open_site, "a1", first.id, "r1", now, 300)
    again = _post(ctx, open_site, now + timedelta(seconds=5), "Lỡ tay")
    assert again.id != first.id and again.status is S.APPROVED
    comment_edits.edit_comment(ctx, open_site, "a1", again.id, "r1", "Đã sửa", now,
                               CommentLimits(), 300)
    assert _post(ctx, open_site, now + timedelta(seconds=6), "Lỡ tay").id not in (first.id, again.id)


def test_failed_requests_leave_no_claim(ctx, site, now):
    with pytest.raises(InvalidInput):
        _post(ctx, site, now, retry=_key("k-1"), parent=123456)
    assert ctx.execute(select(func.count()).select_from(RequestClaim)).scalar_one() == 0
    assert _post(ctx, site, now, retry=_key("k-1")).replayed is False


def test_expired_claims_are_purged(ctx, site, now):
    for i in range(5):
        _post(ctx, site, now, f"c{i}", retry=_key(f"k-{i}", f"b{i}", ttl=60))
    assert idempotency.purge_expired(ctx, now + timedelta(seconds=30)) == 0
    assert idempotency.purge_expired(ctx, now + timedelta(seconds=61)) == 10  # keys and texts
    ctx.commit()
    assert ctx.execute(select(func.count()).select_from(RequestClaim)).scalar_one() == 0


def test_posting_purges_now_and_then(ctx, site, now, monkeypatch):
    monkeypatch.setattr(idempotency, "PURGE_EVERY", 2)
    _post(ctx, site, now, "một")
    _post(ctx, site, now + timedelta(minutes=5), "hai")
    _post(ctx, site, now + timedelta(minutes=5), "ba")
    scopes = ctx.execute(select(RequestClaim.key)).scalars().all()
    assert len(scopes) == 2  # "một"'s claim expired and was purged by a later post


@pytest.mark.parametrize("retry", [_key("same-key"), DOUBLES], ids=["key", "text"])
def test_identical_concurrent_posts_make_one_comment(app, open_site, now, retry):
    def post(_):
        with app.app_context():
            return _post(db.session, open_site, now, "Đồng thời", retry=retry)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(post, range(20)))
    assert len({r.id for r in results}) == 1 and sum(not r.replayed for r in results) == 1
    with app.app_context():
        assert _comments(db.session) == 1
        assert counters.verify_counters(db.session) == []


def test_one_key_raced_on_two_articles_is_one_comment(app, open_site, now):
    """The key is per reader, not per article: the article lock does not serialise these two, so
    only the unique constraint on the claim keeps the second from storing a comment."""
    def post(i):
        with app.app_context():
            try:
                return _post(db.session, open_site, now, f"bài {i % 2}", article=f"a{i % 2}",
                             retry=_key("raced", f"body-{i % 2}"))
            except InvalidInput as err:
                return err.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(post, range(16)))
    stored = {r.id for r in results if not isinstance(r, str)}
    assert len(stored) == 1 and "idempotency_key_reused" in results
    with app.app_context():
        assert _comments(db.session) == 1
        claim = db.session.execute(select(RequestClaim).where(
            RequestClaim.scope == ClaimScope.KEY)).scalar_one()
        assert claim.comment_id in stored
