"""Time the moderator's pending queue page with 100,000 pending comments across 1,000 articles.

Target (issue #6): the page answers in < 100 ms server time.  Seeds a fresh database with Core
bulk inserts, logs a moderator in through the form, then times whole GET requests through the
WSGI test client (routing, session, queries, template), so the figure is server time without
the network.  Prints the query plan of the queue query, then median / p95 / max per page kind.

Usage:
    .venv/bin/python bench/bench_moderation_queue.py                       # SQLite temp file
    .venv/bin/python bench/bench_moderation_queue.py --database-url postgresql://postgres@127.0.0.1/engage_bench
    (the PostgreSQL database is emptied first: DROP SCHEMA public CASCADE)
"""
from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from engage import create_app
from engage.domain.text.sanitize import SANITIZER_VERSION, render_comment_html
from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, Site
from engage.services import accounts
from engage.services.moderation_queue import QueueFilter, queue_page

WORDS = ("bài viết rất hay cảm ơn tác giả thông tin hữu ích lừa đảo mong có thêm nhiều bài "
         "tôi đồng ý với ý kiến trên giá cả tăng quá nhanh người dân cần được hỗ trợ").split()
PASSWORD = "bench-password-123"


def seed(app, comments: int, articles: int) -> None:
    """One pre-moderated site, ``articles`` articles, ``comments`` pending comments (1 in 10
    with a highlighted suspect word, 1 in 5 a reply), a moderator ``bench``."""
    with app.app_context():
        site = Site(slug="bench", name="Bench", premoderation=True, allowed_origins=[])
        db.session.add(site)
        db.session.flush()
        start = datetime.now(timezone.utc) - timedelta(days=7)
        db.session.execute(insert(Article), [
            {"site_id": site.id, "key": f"a-{i}", "title": f"Bài viết số {i}", "url": f"/a-{i}",
             "created_at": start} for i in range(1, articles + 1)])
        first_article = db.session.execute(text("SELECT min(id) FROM article")).scalar_one()
        batch, rendered = [], {}  # the bodies repeat: render each once
        for n in range(comments):
            body = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(20))
            reasons = [{"code": "premoderation", "decision": "hold"}]
            if n % 10 == 0 and "lừa đảo" in body:
                at = body.index("lừa đảo")
                reasons.append({"code": "suspect_word", "decision": "hold",
                                "spans": [[at, at + 7]]})
            when = start + timedelta(seconds=n)
            batch.append({
                "site_id": site.id, "article_id": first_article + n % articles,
                "parent_id": None, "reader_id": f"reader{n % 20000}",
                "author_name": f"Độc giả {n % 997}", "body_raw": body,
                "body_html": rendered[body] if body in rendered
                else rendered.setdefault(body, render_comment_html(body)), "sanitizer_version": SANITIZER_VERSION,
                "status": CommentStatus.PENDING, "moderation_reasons": reasons,
                "network_hash": "", "created_at": when, "updated_at": when})
            if len(batch) == 5000:
                db.session.execute(insert(Comment), batch)
                batch = []
        if batch:
            db.session.execute(insert(Comment), batch)
        db.session.commit()
        # Replies: every fifth comment answers the one 5 before it (same article is not needed
        # for the page; it exercises the parent look-up).
        db.session.execute(text("UPDATE comment SET parent_id = id - 5 WHERE id % 5 = 0 AND id > 5"))
        db.session.commit()
        db.session.commit()
    with app.app_context():  # fresh planner statistics (and PostgreSQL's visibility map)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql"
                                 else "ANALYZE")
    with app.app_context():
        accounts.create_moderator(db.session, "bench", PASSWORD, "Bench", ["bench"])


def plan(app) -> str:
    """The database's plan for the first queue page query."""
    with app.app_context():
        from engage.models import Moderator
        from sqlalchemy import select
        from engage.services.keyset import apply_keyset
        from engage.services.scope import moderator_site_ids
        mod_id = db.session.execute(select(Moderator.id)).scalar_one()
        site_id = db.session.execute(moderator_site_ids(mod_id)).scalar_one()
        query = apply_keyset(select(Comment.created_at, Comment.id).where(
            Comment.site_id == site_id, Comment.status == CommentStatus.PENDING),
            "oldest", None).limit(51)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN ANALYZE " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        rows = db.session.execute(text(prefix + str(compiled))).all()
        queue_page(db.session, mod_id, QueueFilter(), 50)  # warm
        return "\n".join(" | ".join(str(c) for c in r) for r in rows)


def parts(app) -> dict:
    """The queue page's service calls, each timed alone (inside one app context)."""
    from engage.models import Moderator
    from engage.services import moderation_actions, rating_admin
    from engage.services.moderation_queue import queue_counts
    ctx = app.app_context()
    ctx.push()
    mod_id = db.session.execute(db.select(Moderator.id)).scalar_one()
    now = datetime.now(timezone.utc)
    return {
        "queue_page": lambda: queue_page(db.session, mod_id, QueueFilter(), 50),
        "queue_counts": lambda: queue_counts(db.session, mod_id),
        "recent_decisions": lambda: moderation_actions.recent_decisions(db.session, mod_id, now, 120),
        "velocity_alarms": lambda: rating_admin.velocity_alarms(db.session, mod_id, now,
                                                                min_votes=20, factor=5.0),
    }


def timed(client, url: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(out)


def main() -> None:
    """Parse arguments, seed, time, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", default="", help="SQLite file: seed once, reuse after")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="engage-bench-queue-")
    reuse = bool(args.reuse) and Path(args.reuse).exists()
    url = args.database_url or f"sqlite:///{args.reuse or Path(tmp) / 'queue.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32),
                      "RATELIMIT_ENABLED": False, "QUEUE_PAGE_SIZE": 50})
    started = time.perf_counter()
    if not reuse:
        with app.app_context():
            if url.startswith("postgresql"):
                db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
                db.session.commit()
            db.create_all()
        seed(app, args.comments, args.articles)
    print(f"seeded {args.comments} pending comments across {args.articles} articles on "
          f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} in "
          f"{time.perf_counter() - started:.1f} s\n")
    print("query plan (first page):\n" + plan(app) + "\n")
    client = app.test_client()
    page = client.get("/moderation/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/moderation/login", data={"csrf_token": token, "username": "bench",
                                                  "password": PASSWORD}).status_code == 302
    first = client.get("/moderation/").get_data(as_text=True)
    cursor = re.search(r'class="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    with app.app_context():
        article = db.session.execute(text("SELECT max(id) FROM article")).scalar_one()
    pages = {
        "pending, first page": "/moderation/",
        "pending, next page (keyset cursor)": cursor,
        "pending, newest first": "/moderation/?order=newest",
        "pending, one article": f"/moderation/?article={article}",
        "pending, reason filter (suspect_word)": "/moderation/?reason=suspect_word",
        "JSON queue, first page": "/api/v1/moderation/queue",
    }
    print(f"| page ({args.runs} runs each) | median ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    for name, fn in parts(app).items():
        t = []
        for _ in range(args.runs):
            start = time.perf_counter()
            fn()
            t.append((time.perf_counter() - start) * 1000)
        t.sort()
        print(f"| service: {name} | {statistics.median(t):.1f} | {t[int(len(t) * 0.95) - 1]:.1f} | "
              f"{t[-1]:.1f} |")
    for name, path in pages.items():
        timed(client, path, 3)  # warm caches
        t = timed(client, path, args.runs)
        print(f"| {name} | {statistics.median(t):.1f} | {t[int(len(t) * 0.95) - 1]:.1f} | "
              f"{t[-1]:.1f} |")


if __name__ == "__main__":
    main()
