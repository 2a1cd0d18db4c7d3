"""rating.previous_stars: the stars a vote had before its latest change; engage_vote() on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# Frozen copy of engage.models.rating.VOTE_FUNCTION_SQL as of this revision.
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


def upgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_stars', sa.SmallInteger(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(VOTE_FUNCTION_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS engage_vote')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_column('previous_stars')
