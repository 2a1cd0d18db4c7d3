"""Retention (`engage purge`): old network hashes blanked, long-pending comments deleted, the
rest untouched, counts exact, and a second run changes nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.identity import derive_key
from engage.domain.mail import UNSUBSCRIBE, normalise_address, sign_link
from engage.models import (
    Comment, CommentStatus, MailOutbox, MailSubscription, MailSuppression, ModerationAction,
    Rating, Reader)
from engage.services import comments, counters, notices, ratings, retention

LIMITS = CommentLimits(max_chars=500)


def _comment(ctx, site, now, text, reader="r1", article="a1"):
    return comments.submit_comment(ctx, site, article, reader, "Độc giả", text, None, "net-hash",
                                   now, LIMITS).id


def test_purge_forgets_old_hashes_and_pending_comments(ctx, site, open_site, now):
    old, recent = now - timedelta(days=100), now - timedelta(days=5)
    stale = _comment(ctx, site, old, "Chờ duyệt rất lâu rồi.")
    fresh = _comment(ctx, site, recent, "Chờ duyệt mới đây thôi.")
    published = _comment(ctx, open_site, old, "Đã đăng từ lâu.")
    ratings.rate_article(ctx, open_site, "a1", "r2", 4, "net-hash", old, 100)
    ratings.rate_article(ctx, open_site, "a1", "r3", 2, "net-hash", recent, 100)
    ctx.add_all([Reader(id="r-old", network_hash="net-hash", created_at=old),
                 Reader(id="r-new", network_hash="net-hash", created_at=recent)])
    ctx.commit()
    result = retention.purge(ctx, now, ip_hash_days=90, pending_days=60)
    assert result == retention.PurgeResult(ip_hashes=4, pending_comments=1)
    assert ctx.get(Comment, stale) is None
    assert ctx.execute(select(func.count()).select_from(ModerationAction).where(
        ModerationAction.comment_id == stale)).scalar_one() == 0
    assert ctx.get(Comment, fresh).status is CommentStatus.PENDING
    assert ctx.get(Comment, fresh).network_hash == "net-hash"
    assert ctx.get(Comment, published).network_hash == ""
    assert ctx.get(Comment, published).status is CommentStatus.APPROVED
    hashes = dict(ctx.execute(select(Rating.reader_id, Rating.network_hash)).all())
    assert hashes == {"r2": "", "r3": "net-hash"}
    assert ctx.get(Reader, "r-old").network_hash == "" and ctx.get(Reader, "r-new").network_hash
    assert counters.verify_counters(ctx) == []
    # Idempotent: nothing left to do.
    assert retention.purge(ctx, now, 90, 60) == retention.PurgeResult(0, 0)


def test_zero_days_keeps_everything(ctx, site, now):
    stale = _comment(ctx, site, now - timedelta(days=1000), "Chờ duyệt rất lâu rồi.")
    assert retention.purge(ctx, now, 0, 0) == retention.PurgeResult(0, 0)
    assert ctx.get(Comment, stale).network_hash == "net-hash"
    with pytest.raises(ValueError):
        retention.purge(ctx, now, -1, 0)


def test_purge_command_reports_counts(app, runner, site, now):
    from engage.extensions import db
    with app.app_context():
        _comment(db.session, site, now - timedelta(days=400), "Chờ duyệt rất lâu rồi.")
    result = runner.invoke(args=["engage", "purge"])
    assert result.exit_code == 0, result.output
    assert "pending comments deleted: 1" in result.output
    again = runner.invoke(args=["engage", "purge"])
    assert "pending comments deleted: 0" in again.output
    assert "network hashes blanked: 0" in again.output


def test_purge_deletes_old_mail_addresses_and_keeps_suppressions(ctx, open_site, now):
    key = derive_key("test", "mail")
    old, recent = now - timedelta(days=200), now - timedelta(days=5)
    for when, address in ((old, "cu@example.vn"), (recent, "moi@example.vn")):
        comments.submit_comment(ctx, open_site, "a1", "r1", "Độc giả", f"Bình luận {address}",
                                None, "net", when, LIMITS,
                                contact=normalise_address(address, key))
    gone = normalise_address("di@example.vn", key)
    notices.unsubscribe(ctx, key, sign_link(key, UNSUBSCRIBE, gone.hash), old)
    result = retention.purge(ctx, now, 0, 0, mail_days=180)
    assert result.mail_rows == 2  # the old subscription and its confirmation mail
    assert ctx.execute(select(MailSubscription.email)).scalars().all() == ["moi@example.vn"]
    assert ctx.execute(select(MailOutbox.to_address)).scalars().all() == ["moi@example.vn"]
    assert ctx.execute(select(func.count()).select_from(MailSuppression)).scalar_one() == 1
    assert retention.purge(ctx, now, 0, 0, mail_days=180).mail_rows == 0
