"""A new comment stored on the pinned DBAPI connection (``engage.services.direct``), on SQLite
and PostgreSQL.

The direct path must store exactly what the session path stores, keep every rule of the write
(reader erased meanwhile, retries and doubles, one transaction), hand every other kind of
comment to the session, and never leave a thread holding a dead or half-used connection.
"""
import gc
import sqlite3
import threading
import weakref
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, func, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite as sqlite_dialect

from engage.domain.comments import CommentLimits
from engage.domain.errors import InvalidInput, Unauthorized
from engage.domain.mail import MailAddress
from engage.extensions import db
from engage.domain.moderation.wordlists import clear_matcher_cache
from engage.models import (
    Article, Ban, BanScope, ClaimScope, Comment, CommentStatus, Reader, RequestClaim)
from engage.services import comments, direct, sites
from engage.services.idempotency import RetryGuard

LIMITS = CommentLimits(max_chars=500)


@pytest.fixture
def pinned(app):
    """The app's fast path's ``pinned_connection`` (what the view passes)."""
    return app.extensions["engage_fastpath"].pinned_connection


@pytest.fixture
def taken(monkeypatch):
    """Records the connection of each direct write that reached its statements (the direct
    path stored the comment, or tried to and rolled back)."""
    seen = []
    for name in ("_write_sqlite", "_write_pg_direct"):
        real = getattr(comments, name)

        def spy(conn, *args, real=real):
            seen.append(conn)
            return real(conn, *args)

        monkeypatch.setattr(comments, name, spy)
    return seen


def _readers(ctx, *ids):
    for rid in ids:
        ctx.add(Reader(id=rid, network_hash="net"))
    ctx.commit()


def _submit(ctx, site, reader, text, now, pinned, **kw):
    return comments.submit_comment(ctx, site, kw.pop("article", "a1"), reader, "Độc giả",
                                   text, kw.pop("parent", None), "net", now, LIMITS,
                                   check_reader=True, pinned=pinned, **kw)


def _raw_rows(ctx, ids):
    """The comment rows as the database stores them (no SQLAlchemy type processing)."""
    found = ctx.connection().exec_driver_sql(
        f"SELECT * FROM comment WHERE id IN ({', '.join(str(int(i)) for i in ids)})")
    return {row["id"]: dict(row) for row in found.mappings()}


def _refuse(ctx, name: str, when: str, table: str, message: str) -> None:
    """A trigger ``name`` that makes ``when`` (``UPDATE OF col``, ``DELETE``) on ``table`` fail
    with ``message``, on either database; :func:`_drop` removes it."""
    if ctx.get_bind().dialect.name == "sqlite":
        ctx.connection().exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    else:
        ctx.connection().exec_driver_sql(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$")
        ctx.connection().exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}()")
    ctx.commit()


def _drop(ctx, name: str, table: str) -> None:
    if ctx.get_bind().dialect.name == "sqlite":
        ctx.connection().exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        ctx.connection().exec_driver_sql(f"DROP TRIGGER {name} ON {table}")
        ctx.connection().exec_driver_sql(f"DROP FUNCTION {name}()")
    ctx.commit()


def _in_transaction(conn) -> bool:
    """Whether a DBAPI connection (``sqlite3`` or ``psycopg``) holds a transaction open."""
    if isinstance(conn, sqlite3.Connection):
        return conn.in_transaction
    return conn.info.transaction_status != conn.info.transaction_status.IDLE


def test_the_direct_path_stores_the_row_the_session_path_stores(app, ctx, open_site, now,
                                                                 pinned, taken):
    _readers(ctx, "first", "direct", "session")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)  # creates a1
    assert taken == []  # the article's first comment goes through the session
    text = "Cảm ơn tác giả!\n\nXem https://example.com/a (nguồn)."
    by_direct = _submit(ctx, open_site, "direct", text, now, pinned)
    assert len(taken) == 1
    by_session = _submit(ctx, open_site, "session", text, now, None)
    assert len(taken) == 1
    assert by_direct.status is by_session.status is CommentStatus.APPROVED
    rows = _raw_rows(ctx, [by_direct.id, by_session.id])
    one, other = rows[by_direct.id], rows[by_session.id]
    differ = {k for k in one if one[k] != other[k]}
    assert differ == {"id", "reader_id"}
    assert one["status"] == "approved" and one["published_at"] == one["created_at"]
    stored = ctx.get(Comment, by_direct.id)  # and the ORM reads it back as its own
    ctx.expire_all()
    assert stored.created_at == now and stored.created_at.tzinfo is not None
    assert stored.moderation_reasons == ctx.get(Comment, by_session.id).moderation_reasons
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 3


def test_held_comments_and_the_count_follow_the_same_rules(app, ctx, site, now, pinned,
                                                           taken):
    _readers(ctx, "first", "r")
    _submit(ctx, site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    version = ctx.execute(select(Article.version)).scalar_one()
    result = _submit(ctx, site, "r", "Một ý kiến chờ duyệt.", now, pinned)
    assert taken and result.status is CommentStatus.PENDING
    ctx.expire_all()
    article = ctx.execute(select(Article)).scalar_one()
    assert (article.comment_count, article.version) == (0, version)  # nothing public changed


def test_replies_contact_addresses_and_webhook_sites_go_through_the_session(
        app, ctx, open_site, now, pinned, taken):
    _readers(ctx, "first", "r")
    parent = _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    reply = _submit(ctx, open_site, "r", "Tôi trả lời bạn.", now, pinned, parent=parent.id)
    mailed = _submit(ctx, open_site, "r", "Báo tôi khi có trả lời.", now, pinned,
                     contact=MailAddress("doc.gia@example.com", "h" * 64))
    assert taken == []
    assert ctx.get(Comment, reply.id).parent_id == parent.id
    assert ctx.get(Comment, mailed.id).status is CommentStatus.APPROVED
    sites.update_site(ctx, open_site, webhook_url="https://hooks.example/engage")
    _submit(ctx, open_site, "r", "Trang có webhook.", now, pinned)
    assert taken == []
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 4


def test_a_reader_erased_between_judging_and_the_write_stores_nothing(
        app, ctx, open_site, now, pinned, taken, monkeypatch, backend):
    if backend == "postgresql":
        return _erasure_waits_for_the_comment_and_erases_it(app, ctx, open_site, now, pinned,
                                                            taken, monkeypatch)
    _readers(ctx, "first", "gone")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    real = comments._judge

    def judged_then_erased(*args):
        verdict = real(*args)
        with db.engine.begin() as other:  # the erasure wins the writer lock meanwhile
            other.execute(Reader.__table__.delete().where(Reader.id == "gone"))
        return verdict

    monkeypatch.setattr(comments, "_judge", judged_then_erased)
    with pytest.raises(Unauthorized) as raised:
        _submit(ctx, open_site, "gone", "Kịp gửi trước khi xoá?", now, pinned)
    assert raised.value.code == "reader_token_invalid"
    assert len(taken) == 1  # refused inside the direct write transaction
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 1


def _erasure_waits_for_the_comment_and_erases_it(app, ctx, open_site, now, pinned, taken,
                                                  monkeypatch):
    """PostgreSQL: the direct write reads the reader ``FOR KEY SHARE`` in its transaction, so
    an erasure started while the comment is judged waits for it, then erases it too."""
    from engage.services import reader_data
    _readers(ctx, "first", "gone")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    real = comments._judge
    erasure: list = []

    def erase():
        with app.app_context():
            erasure.append(reader_data.erase_reader(db.session, "gone", now))
            db.session.remove()

    def judged_while_erasing(*args):
        verdict = real(*args)
        thread = threading.Thread(target=erase)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # the erasure waits for the comment's transaction
        erasure.append(thread)
        return verdict

    monkeypatch.setattr(comments, "_judge", judged_while_erasing)
    stored = _submit(ctx, open_site, "gone", "Kịp gửi trước khi xoá?", now, pinned)
    erasure[0].join(10)
    assert len(taken) == 1 and erasure[1].comments == 1  # it erased the comment stored first
    ctx.expire_all()
    assert ctx.get(Comment, stored.id).status is CommentStatus.DELETED
    assert ctx.get(Reader, "gone") is None
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 1


def test_an_erased_reader_is_refused_in_the_write(app, ctx, open_site, now, pinned, taken):
    _readers(ctx, "first", "gone")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    ctx.execute(Reader.__table__.delete().where(Reader.id == "gone"))
    ctx.commit()
    with pytest.raises(Unauthorized) as raised:
        _submit(ctx, open_site, "gone", "Kịp gửi trước khi xoá?", now, pinned)
    assert raised.value.code == "reader_token_invalid"
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
    assert not _in_transaction(pinned().driver)


def test_a_repeated_text_gets_the_first_answer_and_a_reused_key_is_refused(
        app, ctx, open_site, now, pinned, taken):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    double = RetryGuard(duplicate_window_s=60)
    first = _submit(ctx, open_site, "r", "Gửi hai lần vì mạng chậm.", now, pinned, retry=double)
    again = _submit(ctx, open_site, "r", "Gửi hai lần vì mạng chậm.", now, pinned, retry=double)
    assert (again.id, again.replayed, first.replayed) == (first.id, True, False)
    keyed = RetryGuard(key="k-1", request_hash="body-1", duplicate_window_s=60)
    one = _submit(ctx, open_site, "r", "Có khoá thử lại.", now, pinned, retry=keyed)
    with pytest.raises(InvalidInput) as raised:
        _submit(ctx, open_site, "r", "Khác nội dung.", now, pinned,
                retry=RetryGuard(key="k-1", request_hash="body-2", duplicate_window_s=60))
    assert raised.value.code == "idempotency_key_reused"
    assert len(taken) == 4  # all but the first went the direct way; repeats rolled back
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 3
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 3
    assert ctx.get(Comment, one.id) is not None
    assert ctx.execute(select(func.count()).select_from(RequestClaim)).scalar_one() == 3


def test_a_failing_statement_rolls_the_whole_write_back_and_is_sqlalchemy_s_error(
        app, ctx, open_site, now, pinned, taken):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    _refuse(ctx, "no_count", "UPDATE OF comment_count", "article", "count refused")
    failed = pinned().driver
    with pytest.raises(sa_exc.DBAPIError, match="count refused"):
        _submit(ctx, open_site, "r", "Sau chèn, trước khi đếm.", now, pinned)
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
    assert pinned().driver is failed and not _in_transaction(failed)  # rolled back, kept
    _drop(ctx, "no_count", "article")
    again = _submit(ctx, open_site, "r", "Sau chèn, trước khi đếm.", now, pinned)  # usable
    assert again.status is CommentStatus.APPROVED and len(taken) == 2
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 2


def test_a_connection_that_dies_mid_write_is_not_kept(app, ctx, open_site, now, pinned,
                                                      taken, monkeypatch, backend):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    dead = pinned().driver
    real = comments._judge

    def judged_then_killed(*args):
        verdict = real(*args)
        if backend == "postgresql":  # the server goes away while the comment is judged
            with db.engine.connect() as other:
                other.execute(select(func.pg_terminate_backend(dead.info.backend_pid)))
        else:
            dead.close()
        return verdict

    monkeypatch.setattr(comments, "_judge", judged_then_killed)
    if backend == "postgresql":  # its transaction was open: the web layer answers 503
        with pytest.raises(sa_exc.OperationalError):
            _submit(ctx, open_site, "r", "Mất kết nối giữa chừng.", now, pinned)
    else:  # SQLite judges before BEGIN: the session path stores it
        assert _submit(ctx, open_site, "r", "Mất kết nối giữa chừng.", now, pinned).id
    monkeypatch.setattr(comments, "_judge", real)
    assert pinned().driver is not dead
    _submit(ctx, open_site, "r", "Kết nối mới.", now, pinned)
    assert taken[-1] is not dead
    expected = 2 if backend == "postgresql" else 3
    assert ctx.execute(select(Article.comment_count)).scalar_one() == expected


def test_expired_claims_are_purged_in_the_comment_s_own_transaction(
        app, ctx, open_site, now, pinned, taken, monkeypatch):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    old = now - timedelta(days=2)
    ctx.execute(insert(RequestClaim), [
        {"reader_id": "x", "scope": ClaimScope.TEXT, "key": f"k{i}", "request_hash": "h",
         "comment_status": "approved", "created_at": old, "expires_at": old + timedelta(minutes=1)}
        for i in range(3)])
    ctx.commit()
    monkeypatch.setattr(comments, "PURGE_EVERY", 1)  # every claim taken purges a batch
    guard = RetryGuard(duplicate_window_s=60)
    _refuse(ctx, "no_purge", "DELETE", "request_claim", "purge refused")
    with pytest.raises(sa_exc.DBAPIError, match="purge refused"):
        _submit(ctx, open_site, "r", "Ý kiến kèm dọn dẹp.", now, pinned, retry=guard)
    assert ctx.execute(select(func.count()).select_from(Comment)).scalar_one() == 1  # one txn
    _drop(ctx, "no_purge", "request_claim")
    result = _submit(ctx, open_site, "r", "Ý kiến kèm dọn dẹp.", now, pinned, retry=guard)
    assert not result.replayed and len(taken) == 2
    keys = ctx.execute(select(RequestClaim.key)).scalars().all()
    assert len(keys) == 1 and not keys[0].startswith("k")  # only the new, live claim is left


def test_after_a_direct_write_the_session_reads_the_latest_state(
        app, ctx, open_site, now, pinned, taken):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    ctx.execute(insert(Ban.__table__), [{"site_id": ctx.execute(select(Article.site_id))
                                         .scalar_one(), "scope": BanScope.NETWORK,
                                         "value": "net", "until": now - timedelta(days=1),
                                         "created_at": now - timedelta(days=2)}])  # expired
    ctx.commit()
    clear_matcher_cache()  # judging now reads the word lists through the session
    _submit(ctx, open_site, "r", "Đọc qua phiên trước khi ghi.", now, pinned)
    assert taken and not ctx().in_transaction()
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 2


def test_an_interruption_right_after_begin_leaves_no_transaction_behind(
        app, ctx, open_site, now, pinned, taken, monkeypatch):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    real = direct._driver

    def interrupted(conn, dialect, sql):
        real(conn, dialect, sql)
        if sql.startswith("BEGIN"):
            raise KeyboardInterrupt

    monkeypatch.setattr(direct, "_driver", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _submit(ctx, open_site, "r", "Bị ngắt giữa chừng.", now, pinned)
    monkeypatch.setattr(direct, "_driver", real)
    assert not _in_transaction(pinned().driver)
    assert _submit(ctx, open_site, "r", "Bị ngắt giữa chừng.", now, pinned).id


def test_a_connection_dead_at_begin_hands_the_comment_to_the_session(
        app, ctx, open_site, now, pinned, taken, backend):
    _readers(ctx, "first", "r")
    _submit(ctx, open_site, "first", "Bài đầu tiên tạo bài viết.", now, pinned)
    dead = pinned().driver
    if backend == "postgresql":  # as a server restart would
        ctx.execute(select(func.pg_terminate_backend(dead.info.backend_pid)))
        ctx.commit()
    else:
        dead.close()
    result = _submit(ctx, open_site, "r", "Máy chủ vừa khởi động lại.", now, pinned)
    assert result.status is CommentStatus.APPROVED and taken == []  # its first use failed
    assert ctx.execute(select(Article.comment_count)).scalar_one() == 2  # the session stored it
    assert pinned().driver is not dead
    _submit(ctx, open_site, "r", "Lần sau đi đường thẳng.", now, pinned)
    assert len(taken) == 1 and taken[0] is not dead


_META = MetaData()
_T = Table("t", _META, Column("id", Integer, primary_key=True), Column("name", String(10)),
           Column("status", String(10), default=lambda: "new"))


def test_precompiled_refuses_what_it_could_not_run_faithfully():
    dialect = sqlite_dialect.dialect()
    with pytest.raises(ValueError, match="POSTCOMPILE"):
        direct.Precompiled(select(_T.c.id).where(_T.c.id.in_(bindparam("ids", expanding=True))),
                           dialect)
    with pytest.raises(ValueError, match="Python-side default"):
        direct.Precompiled(insert(_T), dialect, ["name"])


def test_precompiled_binds_and_reads_values_as_sqlalchemy_does(tmp_path):
    dialect = sqlite_dialect.dialect(dbapi=sqlite3)
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    table = Comment.__table__
    conn.execute("CREATE TABLE c (status TEXT, created_at TEXT, reasons TEXT)")
    values = {"status": CommentStatus.SPAM,
              "created_at": datetime(2026, 12, 2, 7, 5, 9, 12, tzinfo=timezone.utc),
              "reasons": [{"code": "banned_word"}]}
    write = direct.Precompiled(
        insert(Table("c", MetaData(), Column("status", table.c.status.type),
                     Column("created_at", table.c.created_at.type),
                     Column("reasons", table.c.moderation_reasons.type))), dialect,
        ["status", "created_at", "reasons"])
    assert write.rows(conn, values) == []
    raw = conn.execute("SELECT status, created_at, reasons FROM c").fetchone()
    assert raw == ("spam", "2026-12-02 07:05:09.000012", '[{"code": "banned_word"}]')
    read = direct.Precompiled(select(Table("c", MetaData(), Column("status", table.c.status.type),
                                           Column("created_at", table.c.created_at.type),
                                           Column("reasons", table.c.moderation_reasons.type))),
                              dialect)
    assert read.mapping(conn, {}) == values
    conn.close()


def test_a_cached_statement_is_kept_alive_so_its_id_cannot_name_another():
    dialect = sqlite_dialect.dialect(dbapi=sqlite3)
    statement = select(_T.c.id).where(_T.c.name == bindparam("name"))
    alive = weakref.ref(statement)
    key = (id(statement), "sqlite", ())
    first = direct.precompiled(statement, dialect)
    del statement, first
    gc.collect()
    try:  # the cache's entry holds its statement: no later statement can take its id
        assert alive() is not None and direct._COMPILED[key].statement is alive()
    finally:
        direct._COMPILED.pop(key, None)
