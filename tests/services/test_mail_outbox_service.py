"""The mail outbox's guarantees: one row per (recipient, event), a claim hides a row from
other senders for the lease (a crash after sending resends it once, after the lease), retries
back off exponentially and end as failed; cancelled rows are never sent."""
from datetime import timedelta

from sqlalchemy import func, select

from engage.domain.identity import derive_key
from engage.domain.mail import UNSUBSCRIBE, MailAddress, address_hash, sign_link
from engage.models import MailOutbox, Site
from engage.services import mail_outbox, notices
from engage.services.tx import write_transaction

KEY = derive_key("test-secret", "mail")
POLICY = mail_outbox.SendPolicy(max_attempts=3, backoff_base_s=60, backoff_max_s=600,
                                lease_s=120, batch=10)
TO = MailAddress("lan@example.vn", address_hash("lan@example.vn", KEY))


def _enqueue(ctx, now, key="reply:1:2", to=TO):
    site_id = ctx.execute(select(Site.id)).scalar_one()
    with write_transaction(ctx):
        added = mail_outbox.enqueue(ctx, site_id=site_id, kind="reply", dedupe_key=key, to=to,
                                    payload={}, now=now)
    return added


def test_the_same_notice_is_never_queued_twice(ctx, site, now):
    assert _enqueue(ctx, now) is True
    assert _enqueue(ctx, now) is False
    assert _enqueue(ctx, now, key="reply:1:3") is True
    assert ctx.execute(select(func.count()).select_from(MailOutbox)).scalar_one() == 2


def test_a_claim_hides_the_row_until_the_lease_ends(ctx, site, now):
    _enqueue(ctx, now)
    [claimed] = mail_outbox.claim_due(ctx, now, POLICY)
    # Another sender (or the same one after a crash before marking it sent) sees nothing…
    assert mail_outbox.claim_due(ctx, now + timedelta(seconds=119), POLICY) == []
    # …until the lease ends: then it is sent again (the documented at-most-one duplicate).
    assert mail_outbox.claim_due(ctx, now + timedelta(seconds=121), POLICY) == [claimed]
    mail_outbox.record_result(ctx, claimed, None, now + timedelta(seconds=122), POLICY)
    assert mail_outbox.claim_due(ctx, now + timedelta(days=1), POLICY) == []
    # A late result for a row already sent changes nothing.
    mail_outbox.record_result(ctx, claimed, mail_outbox.SendError("late"), now, POLICY)
    row = ctx.get(MailOutbox, claimed)
    ctx.refresh(row)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""


def test_failures_back_off_then_fail(ctx, site, now):
    _enqueue(ctx, now)
    error = mail_outbox.SendError("ConnectionRefusedError: [Errno 111]")
    clock, waits = now, []
    for _ in range(POLICY.max_attempts):
        [row_id] = mail_outbox.claim_due(ctx, clock, POLICY)
        mail_outbox.record_result(ctx, row_id, error, clock, POLICY)
        row = ctx.get(MailOutbox, row_id)
        ctx.refresh(row)
        if row.failed_at is None:
            waits.append((row.next_attempt_at - clock).total_seconds())
            clock = row.next_attempt_at
    assert waits == [60, 120]
    assert row.failed_at is not None and row.attempts == 3 and "Errno 111" in row.last_error
    assert mail_outbox.claim_due(ctx, clock + timedelta(days=1), POLICY) == []


def test_send_due_cancels_what_compose_refuses(ctx, site, now):
    _enqueue(ctx, now)
    sent = []
    count = mail_outbox.send_due(ctx, POLICY, lambda session, row: "subscription gone",
                                 sent.append, lambda: now)
    assert count == 1 and sent == []
    row = ctx.execute(select(MailOutbox)).scalar_one()
    assert row.failed_at is not None and row.attempts == 0
    assert row.last_error == "cancelled: subscription gone"


def test_nothing_is_queued_for_an_unsubscribed_address(ctx, site, now):
    token = sign_link(KEY, UNSUBSCRIBE, TO.hash)
    notices.unsubscribe(ctx, KEY, token, now)
    assert _enqueue(ctx, now) is False
