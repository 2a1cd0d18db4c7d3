"""Seed a realistic Engage database for benchmarks, fast (Core bulk inserts, one transaction).

Default volume (issue "Production topology"): 1,000 articles, 50,000 published comments and
200,000 votes on one post-moderated site ``bench``; article ``a-1`` gets 200 comments like the
Isso peer's seed.  Writes ``--tokens`` reader tokens to a file for the write benchmarks.

Usage (with the app's environment, e.g. ENGAGE_DATABASE_URL and ENGAGE_SECRET_KEY, set):
    python bench/seed.py --tokens /tmp/tokens.txt [--articles 1000 --comments 50000 --votes 200000]
"""
from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert
from sqlalchemy import text as sql

from engage import create_app
from engage.domain.identity import issue_reader_token
from engage.domain.text.sanitize import SANITIZER_VERSION, render_comment_html
from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, Rating, Reader, Site
from engage.services import counters

WORDS = ("bài viết rất hay cảm ơn tác giả thông tin hữu ích mong có thêm nhiều bài như thế này "
         "tôi đồng ý với ý kiến trên giá cả tăng quá nhanh người dân cần được hỗ trợ").split()


def main() -> None:
    """Parse arguments and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--votes", type=int, default=200_000)
    parser.add_argument("--tokens", required=True, help="file to write reader tokens to")
    parser.add_argument("--token-count", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    app = create_app()
    with app.app_context():
        site = Site(slug="bench", name="Bench", premoderation=False, auto_create_articles=True,
                    allowed_origins=[])
        db.session.add(site)
        db.session.flush()
        start = datetime.now(timezone.utc) - timedelta(days=3)
        db.session.execute(insert(Article), [
            {"site_id": site.id, "key": f"a-{i}", "title": f"Bài {i}", "url": f"/a-{i}",
             "created_at": start} for i in range(1, args.articles + 1)])
        ids = {a.key: a.id for a in db.session.execute(db.select(Article)).scalars()}
        rows = []
        for n in range(args.comments):
            key = "a-1" if n < 200 else f"a-{rng.randint(2, args.articles)}"
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 60)))
            when = start + timedelta(seconds=n)
            rows.append({"site_id": site.id, "article_id": ids[key], "reader_id": f"seed{n % 5000}",
                         "author_name": f"Độc giả {n % 997}", "body_raw": text,
                         "body_html": render_comment_html(text),
                         "sanitizer_version": SANITIZER_VERSION,
                         "status": CommentStatus.APPROVED, "moderation_reasons": [],
                         "network_hash": "", "created_at": when, "updated_at": when,
                         "published_at": when})
        db.session.execute(insert(Comment), rows)
        seen = set()
        votes = []
        while len(votes) < args.votes:
            article = rng.randint(1, args.articles)
            reader = rng.randint(0, args.votes)
            if (article, reader) in seen:
                continue
            seen.add((article, reader))
            votes.append({"article_id": ids[f"a-{article}"], "reader_id": f"v{reader}",
                          "stars": rng.choice((1, 2, 3, 4, 4, 5, 5, 5)),
                          "network_hash": f"{rng.randint(0, 999):064x}",
                          "created_at": start, "updated_at": start})
        db.session.execute(insert(Rating), votes)
        key = app.extensions["engage_keys"]["reader"]
        tokens = [issue_reader_token(key) for _ in range(args.token_count)]
        db.session.execute(insert(Reader), [{"id": rid, "network_hash": "", "created_at": start}
                                            for rid, _ in tokens])
        db.session.commit()
        counters.verify_counters(db.session, fix=True)
        # Planner statistics, as a live database has them: PostgreSQL's autovacuum analyses a
        # table after enough changes (PostgreSQL manual §25.1.6 "Updating Planner
        # Statistics"), but not within seconds of a bulk load, and on the machines these
        # benchmarks ran on it is off (SHOW autovacuum).  Without statistics the counts query
        # filtered every article of the site (estimated at 1 row) instead of using the
        # (site_id, key) index.
        db.session.execute(sql("ANALYZE"))
        db.session.commit()
    with open(args.tokens, "w", encoding="ascii") as handle:
        handle.write("\n".join(token for _, token in tokens) + "\n")
    print(f"seeded {args.articles} articles, {args.comments} comments, {args.votes} votes")


if __name__ == "__main__":
    main()
