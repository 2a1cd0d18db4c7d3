"""Rating: one reader's 1–5 star vote on one article."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL, CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint)
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Rating(db.Model):
    """A vote; at most one per (article, reader), stars in 1..5 (enforced by the database)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("article_id", "reader_id", name="uq_rating_article_reader"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        # Per-network caps and the moderator's vote list filter on these.
        Index("ix_rating_article_network_time", "article_id", "network_hash", "created_at"),
        Index("ix_rating_article_time", "article_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    reader_id: Mapped[str] = mapped_column(String(32), index=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    # The stars before the latest change (NULL for a vote never changed).  The upsert sets it
    # from the row it conflicts with, so a vote learns what it replaces in the same statement
    # that writes it (services/ratings.py), and moderators can see changed votes.
    previous_stars: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# PostgreSQL only: a vote as one function call, so a vote is one round trip in autocommit
# (services/ratings.py ``_pg_vote``).  Part of the schema: created with the tables here
# (``create_all``) and by migration 0005; a migration that changes ``rating`` or ``article``
# must keep it valid.
VOTE_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION engage_vote(
    p_slug text, p_key text, p_reader text, p_stars integer, p_network text,
    p_now timestamptz, p_since timestamptz, p_cap integer, p_sync text)
RETURNS TABLE (outcome text, r1 integer, r2 integer, r3 integer, r4 integer, r5 integer)
LANGUAGE plpgsql VOLATILE AS $$
-- One vote, one round trip (Engage services/ratings.py): each statement below takes its own
-- snapshot (READ COMMITTED, a VOLATILE function), so the vote replaced is read after the
-- article lock is granted and the aggregate moves exactly.
DECLARE
    a_id integer;
    a_open boolean;
    prev smallint;
BEGIN
    PERFORM set_config('synchronous_commit', p_sync, true);
    SELECT article.id, article.ratings_open INTO a_id, a_open
    FROM article JOIN site ON site.id = article.site_id
    WHERE site.slug = p_slug AND article.key = p_key
    FOR UPDATE OF article;
    IF a_id IS NULL THEN
        RETURN QUERY SELECT 'missing'::text, 0, 0, 0, 0, 0;
        RETURN;
    END IF;
    IF NOT a_open THEN
        RETURN QUERY SELECT 'closed'::text, 0, 0, 0, 0, 0;
        RETURN;
    END IF;
    IF p_cap > 0
       AND NOT EXISTS (SELECT 1 FROM rating WHERE article_id = a_id AND reader_id = p_reader)
       AND (SELECT count(*) FROM rating WHERE article_id = a_id AND network_hash = p_network
            AND created_at >= p_since) >= p_cap THEN
        RETURN QUERY SELECT 'capped'::text, 0, 0, 0, 0, 0;
        RETURN;
    END IF;
    INSERT INTO rating AS r (article_id, reader_id, stars, previous_stars, network_hash,
                             created_at, updated_at)
    VALUES (a_id, p_reader, p_stars, NULL, p_network, p_now, p_now)
    ON CONFLICT (article_id, reader_id) DO UPDATE
        SET stars = excluded.stars, updated_at = excluded.updated_at,
            network_hash = excluded.network_hash, previous_stars = r.stars
    RETURNING r.previous_stars INTO prev;
    IF prev IS DISTINCT FROM p_stars THEN
        RETURN QUERY
        UPDATE article SET
            rating_1 = article.rating_1 + (p_stars = 1)::int - (prev IS NOT DISTINCT FROM 1)::int,
            rating_2 = article.rating_2 + (p_stars = 2)::int - (prev IS NOT DISTINCT FROM 2)::int,
            rating_3 = article.rating_3 + (p_stars = 3)::int - (prev IS NOT DISTINCT FROM 3)::int,
            rating_4 = article.rating_4 + (p_stars = 4)::int - (prev IS NOT DISTINCT FROM 4)::int,
            rating_5 = article.rating_5 + (p_stars = 5)::int - (prev IS NOT DISTINCT FROM 5)::int,
            rating_count = article.rating_count + (prev IS NULL)::int,
            rating_sum = article.rating_sum + p_stars - COALESCE(prev, 0),
            version = article.version + 1
        WHERE article.id = a_id
        RETURNING 'written'::text, article.rating_1, article.rating_2, article.rating_3,
                  article.rating_4, article.rating_5;
    ELSE
        RETURN QUERY SELECT 'written'::text, a.rating_1, a.rating_2, a.rating_3, a.rating_4,
                            a.rating_5 FROM article a WHERE a.id = a_id;
    END IF;
END;
$$
"""

event.listen(Rating.__table__, "after_create",
             DDL(VOTE_FUNCTION_SQL).execute_if(dialect="postgresql"))
event.listen(Rating.__table__, "before_drop",
             DDL("DROP FUNCTION IF EXISTS engage_vote").execute_if(dialect="postgresql"))
