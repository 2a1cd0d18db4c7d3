"""An erasure racing the reader's own writes leaves nothing of the reader behind.

Found by a new-user test over HTTP: an erasure fired at the same moment as a comment, a vote, a
like and a report answered "erased" while some of those rows stayed stored (and published).
Every write now holds the reader row until it commits, and the erasure locks it first
(``engage.services.reader_data.hold_reader``), so each write either lands before the erasure,
which then removes it, or finds the reader gone (401).
"""
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from engage.domain.comments import CommentLimits
from engage.domain.errors import Unauthorized
from engage.extensions import db
from engage.models import Reader, ReportReason
from engage.services import comments, counters, ratings, reactions, reader_data
from engage.services.idempotency import RetryGuard

WRITERS = 5


def _write(kind: int, site: str, target: int, now):
    """One of the reader's writes, as the web layer calls it (``check_reader=True``)."""
    session = db.session
    if kind in (0, 1):
        return comments.submit_comment(session, site, "a1", "racer", "R", f"cùng lúc {kind}",
                                       None, "net", now, CommentLimits(),
                                       retry=RetryGuard(duplicate_window_s=60),
                                       check_reader=True)
    if kind == 2:
        return ratings.rate_article(session, site, "a1", "racer", 2, "net", now,
                                    check_reader=True)
    if kind == 3:
        return reactions.set_like(session, site, "a1", target, "racer", True, now,
                                  check_reader=True)
    return reactions.report_comment(session, site, "a1", target, "racer", ReportReason.SPAM,
                                    "", "net", now, check_reader=True)


@pytest.mark.parametrize("trial", range(4))
def test_erasure_racing_the_readers_writes_leaves_nothing(app, open_site, now, trial):
    with app.app_context():
        db.session.add(Reader(id="racer", network_hash=""))
        db.session.commit()
        target = comments.submit_comment(db.session, open_site, "a1", "other", "Khác",
                                         "Bình luận của người khác", None, "net", now,
                                         CommentLimits()).id
    barrier = Barrier(WRITERS + 1)

    def run(kind):
        with app.app_context():
            barrier.wait()
            try:
                if kind == WRITERS:
                    return reader_data.erase_reader(db.session, "racer", now)
                return _write(kind, open_site, target, now)
            except Unauthorized:
                return "refused"

    with ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
        results = list(pool.map(run, range(WRITERS + 1)))
    assert isinstance(results[WRITERS], reader_data.ErasureResult)
    with app.app_context():
        assert reader_data.rows_naming(db.session, "racer") == 0
        assert counters.verify_counters(db.session) == []
