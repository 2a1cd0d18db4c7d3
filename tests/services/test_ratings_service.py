"""Rating use cases against a real database: upsert, moves, withdrawal, concurrency, drift."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from engage.domain.errors import Forbidden, InvalidInput, NotFound, TooMany
from engage.extensions import db
from engage.models import Article, Rating
from engage.services import counters, ratings, sites


def _votes(session):
    return session.execute(select(func.count()).select_from(Rating)).scalar_one()


def test_first_vote_creates_article_and_counts(ctx, site, now):
    result = ratings.rate_article(ctx, site, "a1", "reader-1", 4, "net", now)
    assert result.mine == 4
    assert result.summary.as_json() == {"count": 1, "average": 4.0, "distribution": {
        "1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}


def test_voting_again_moves_the_vote(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 5, "net", now)
    ratings.rate_article(ctx, site, "a1", "reader-2", 3, "net", now)
    result = ratings.rate_article(ctx, site, "a1", "reader-1", 1, "net", now)
    assert result.summary.bins == (1, 0, 1, 0, 0)
    assert result.summary.total == 4 and _votes(ctx) == 2


def test_same_vote_twice_changes_nothing(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 5, "net", now)
    result = ratings.rate_article(ctx, site, "a1", "reader-1", 5, "net", now)
    assert result.summary.count == 1 and _votes(ctx) == 1


def test_withdraw_removes_vote_and_is_idempotent(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 2, "net", now)
    assert ratings.withdraw_rating(ctx, site, "a1", "reader-1").summary.count == 0
    assert ratings.withdraw_rating(ctx, site, "a1", "reader-1").summary.count == 0
    assert ratings.reader_vote(ctx, site, "a1", "reader-1") is None


@pytest.mark.parametrize("stars", [0, 6, "5", True, 5.5, None])
def test_bad_stars_store_nothing(ctx, site, now, stars):
    with pytest.raises(InvalidInput):
        ratings.rate_article(ctx, site, "a1", "reader-1", stars, "net", now)
    assert _votes(ctx) == 0
    assert ctx.execute(select(func.count()).select_from(Article)).scalar_one() == 0


def test_unknown_site_and_article(ctx, now):
    with pytest.raises(NotFound):
        ratings.rate_article(ctx, "nope", "a1", "r", 3, "net", now)
    sites.create_site(ctx, "closed", "Closed", auto_create_articles=False)
    with pytest.raises(NotFound) as err:
        ratings.rate_article(ctx, "closed", "a1", "r", 3, "net", now)
    assert err.value.code == "article_not_found"


def test_closed_ratings_refuse_votes(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 3, "net", now)
    article = ctx.execute(select(Article)).scalar_one()
    article.ratings_open = False
    ctx.commit()
    with pytest.raises(Forbidden):
        ratings.rate_article(ctx, site, "a1", "reader-2", 3, "net", now)


def test_database_refuses_inconsistent_aggregate(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 3, "net", now)
    article = ctx.execute(select(Article)).scalar_one()
    article.rating_count = 5  # bins say 1
    with pytest.raises(Exception):
        ctx.commit()
    ctx.rollback()


def test_verify_counters_finds_and_fixes_drift(ctx, site, now):
    ratings.rate_article(ctx, site, "a1", "reader-1", 5, "net", now)
    ratings.rate_article(ctx, site, "a1", "reader-2", 4, "net", now)
    assert counters.verify_counters(ctx) == []
    # Simulate drift from outside Engage: a vote row deleted behind the aggregate's back.
    ctx.execute(Rating.__table__.delete().where(Rating.reader_id == "reader-2"))
    ctx.commit()
    drifts = counters.verify_counters(ctx)
    assert len(drifts) == 1
    assert drifts[0].differences["rating_count"] == (2, 1)
    counters.verify_counters(ctx, fix=True)
    assert counters.verify_counters(ctx) == []
    assert ctx.execute(select(Article.rating_sum)).scalar_one() == 5


def test_concurrent_distinct_readers_are_all_counted(app, site, now):
    def vote(i):
        with app.app_context():
            return ratings.rate_article(db.session, site, "hot", f"reader-{i}", i % 5 + 1,
                                        "net", now).mine

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(vote, range(50)))
    assert len(results) == 50
    with app.app_context():
        article = db.session.execute(select(Article)).scalar_one()
        assert article.rating_count == 50
        assert article.rating_sum == sum(i % 5 + 1 for i in range(50))
        assert counters.verify_counters(db.session) == []


def test_one_reader_racing_leaves_one_vote(app, site, now):
    def vote(i):
        with app.app_context():
            return ratings.rate_article(db.session, site, "hot", "same-reader", i % 5 + 1,
                                        "net", now).mine

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(vote, range(20)))
    with app.app_context():
        assert _votes(db.session) == 1
        assert db.session.execute(select(Article.rating_count)).scalar_one() == 1
        assert counters.verify_counters(db.session) == []


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from([None, 1, 2, 3, 4, 5])),
                max_size=25))
def test_random_votes_changes_and_withdrawals_never_drift(ctx, site, now, ops):
    expected = {}
    ratings.rate_article(ctx, site, "prop", "seed-reader", 3, "net", now)
    expected["seed"] = 3
    for reader, stars in ops:
        if stars is None:
            ratings.withdraw_rating(ctx, site, "prop", f"r{reader}")
            expected.pop(reader, None)
        else:
            ratings.rate_article(ctx, site, "prop", f"r{reader}", stars, "net", now)
            expected[reader] = stars
    assert counters.verify_counters(ctx) == []
    summary = ratings.summary_of(sites.find_article(ctx, sites.get_site(ctx, site), "prop"))
    assert summary.count == len(expected) and summary.total == sum(expected.values())
    # reset for the next example
    ctx.execute(Rating.__table__.delete())
    ctx.execute(Article.__table__.delete())
    ctx.commit()


def test_a_changed_vote_remembers_the_stars_it_replaced(ctx, site, now):
    ratings.rate_article(ctx, site, "moved", "r1", 3, "net", now)
    first = ctx.execute(select(Rating.stars, Rating.previous_stars)).one()
    ratings.rate_article(ctx, site, "moved", "r1", 5, "net", now)
    second = ctx.execute(select(Rating.stars, Rating.previous_stars)).one()
    assert (tuple(first), tuple(second)) == ((3, None), (5, 3))
    summary = ratings.summary_of(sites.find_article(ctx, sites.get_site(ctx, site), "moved"))
    assert summary.bins == (0, 0, 0, 0, 1) and counters.verify_counters(ctx) == []


def test_network_cap_refuses_new_votes_but_not_changes(ctx, site, now):
    for reader in ("a", "b"):
        ratings.rate_article(ctx, site, "capped", reader, 4, "same-net", now, 2)
    with pytest.raises(TooMany) as refused:
        ratings.rate_article(ctx, site, "capped", "c", 4, "same-net", now, 2)
    assert refused.value.code == "network_vote_cap"
    assert ratings.rate_article(ctx, site, "capped", "a", 1, "same-net", now, 2).summary.bins \
        == (1, 0, 0, 1, 0)
    assert _votes(ctx) == 2 and counters.verify_counters(ctx) == []


def test_a_vote_on_the_pinned_connection_and_its_fallback_agree(ctx, app, site, now, backend):
    """The web layer hands the vote a pinned autocommit connection (PostgreSQL: the vote is one
    statement run there); when that runner cannot run it (``None``) the session runs it, and
    both give the same aggregate.  SQLite never uses the runner (its vote is four statements)."""
    ratings.rate_article(ctx, site, "a1", "reader-1", 5, "net", now)  # creates the article
    fast = app.extensions["engage_fastpath"]
    calls = []

    def runner(statement, values):
        calls.append(values["reader_id"])
        return fast.run_statement(statement, values)

    pinned = ratings.rate_article(ctx, site, "a1", "reader-2", 3, "net", now,
                                  check_reader=False, run_pinned=runner)
    fallback = ratings.rate_article(ctx, site, "a1", "reader-3", 1, "net", now,
                                    check_reader=False, run_pinned=lambda s, v: None)
    assert pinned.summary.bins == (0, 0, 1, 0, 1)
    assert fallback.summary.bins == (1, 0, 1, 0, 1) and _votes(ctx) == 3
    assert calls == (["reader-2"] if backend == "postgresql" else [])
    assert counters.verify_counters(ctx) == []
