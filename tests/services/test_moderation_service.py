"""Moderator actions: state changes, published counts, audit rows, conflicts, tenant scope."""
import pytest
from sqlalchemy import func, select

from engage.domain.comments import CommentLimits
from engage.domain.errors import Conflict, InvalidInput, NotFound
from engage.models import (Article, CommentStatus as S, ModerationAction,
                           ModerationActionKind as K, Moderator, Role)
from engage.services import accounts, comments, counters, moderation, sites


@pytest.fixture
def mods(ctx, site):
    sites.create_site(ctx, "other", "Other paper", auto_create_articles=True)
    a = accounts.create_moderator(ctx, "a", "password-aaaa", "Người A", [site])
    b = accounts.create_moderator(ctx, "b", "password-bbbb", "Người B", [site])
    o = accounts.create_moderator(ctx, "o", "password-oooo", "Other", ["other"], Role.ADMIN)
    return {k: ctx.get(Moderator, m.id) for k, m in {"a": a, "b": b, "o": o}.items()}


def _comment(ctx, site, now, article="a1"):
    return comments.submit_comment(ctx, site, article, "r1", "Độc giả", "Nội dung", None, "net",
                                   now, CommentLimits()).id


def _count(ctx):
    return ctx.execute(select(Article.comment_count)).scalar_one()


def test_approve_publishes_counts_and_audits(ctx, site, mods, now):
    cid = _comment(ctx, site, now)
    assert moderation.moderate(ctx, mods["a"], cid, K.APPROVE, S.PENDING, now, "ok",
                               "req-1") is S.APPROVED
    assert _count(ctx) == 1
    [row] = ctx.execute(select(ModerationAction)).scalars()
    assert (row.moderator_id, row.action, row.from_status, row.to_status, row.reason,
            row.request_id) == (mods["a"].id, K.APPROVE, "pending", "approved", "ok", "req-1")
    # Un-publishing moves the count back.
    moderation.moderate(ctx, mods["a"], cid, K.REJECT, S.APPROVED, now, reason_code="insult")
    assert _count(ctx) == 0
    assert counters.verify_counters(ctx) == []


def test_second_moderator_is_told_not_overwritten(ctx, site, mods, now):
    cid = _comment(ctx, site, now)
    moderation.moderate(ctx, mods["a"], cid, K.APPROVE, S.PENDING, now)
    with pytest.raises(Conflict) as err:
        moderation.moderate(ctx, mods["b"], cid, K.SPAM, S.PENDING, now)
    assert err.value.params["status"] == "approved" and err.value.params["by"] == "Người A"
    assert ctx.execute(select(func.count()).select_from(ModerationAction)).scalar_one() == 1
    assert _count(ctx) == 1


def test_other_sites_comment_is_not_found_and_unchanged(ctx, site, mods, now):
    cid = _comment(ctx, site, now)
    with pytest.raises(NotFound):
        moderation.moderate(ctx, mods["o"], cid, K.APPROVE, S.PENDING, now)
    assert moderation.queue(ctx, mods["o"].id) == []
    assert moderation.queue_counts(ctx, mods["o"].id)["pending"] == 0
    assert [i.comment.id for i in moderation.queue(ctx, mods["a"].id)] == [cid]


def test_same_state_action_is_refused(ctx, site, mods, now):
    cid = _comment(ctx, site, now)
    with pytest.raises(InvalidInput):
        moderation.moderate(ctx, mods["a"], cid, K.APPROVE, S.APPROVED, now)


def test_queue_is_oldest_first_with_counts(ctx, site, mods, now):
    from datetime import timedelta
    ids = [comments.submit_comment(ctx, site, "a1", "r", "Độc giả", f"c{i}", None, "n",
                                   now + timedelta(minutes=5 - i), CommentLimits()).id
           for i in range(3)]
    assert [i.comment.id for i in moderation.queue(ctx, mods["a"].id)] == ids[::-1]
    moderation.moderate(ctx, mods["a"], ids[0], K.SPAM, S.PENDING, now)
    counts = moderation.queue_counts(ctx, mods["a"].id)
    assert (counts["pending"], counts["spam"], counts["approved"]) == (2, 1, 0)


def test_authenticate_and_revoke(ctx, site, mods):
    assert accounts.authenticate(ctx, "a", "password-aaaa").id == mods["a"].id
    assert accounts.authenticate(ctx, "a", "wrong-password") is None
    assert accounts.authenticate(ctx, "nobody", "password-aaaa") is None
    before = mods["a"].session_version
    accounts.revoke_sessions(ctx, mods["a"].id)
    ctx.expire_all()
    assert ctx.get(Moderator, mods["a"].id).session_version == before + 1


def test_password_is_hashed_with_argon2(ctx, site, mods):
    stored = ctx.get(Moderator, mods["a"].id).password_hash
    assert stored.startswith("$argon2id$") and "password-aaaa" not in stored
