"""Limits kept in Redis are global: a second app process sees the first one's hits.

Runs when ``ENGAGE_TEST_REDIS_URL`` is set (``.ci/run`` sets it with ``ENGAGE_REQUIRE_REDIS=1``).
"""
import os
import secrets

import pytest

from engage.domain.errors import InvalidInput
from engage.extensions import db
from engage.models import Reader
from engage.services import sites
from helpers import new_token, post_comment

REDIS_URL = os.environ.get("ENGAGE_TEST_REDIS_URL", "")


@pytest.fixture
def redis_url():
    if not REDIS_URL:
        if os.environ.get("ENGAGE_REQUIRE_REDIS") == "1":
            pytest.fail("ENGAGE_REQUIRE_REDIS=1 but ENGAGE_TEST_REDIS_URL is not set")
        pytest.skip("Redis tests need ENGAGE_TEST_REDIS_URL")
    return REDIS_URL


def _app_with_site(app_factory, settings):
    app = app_factory(**settings)
    with app.app_context():
        try:  # the factory resets PostgreSQL's schema but keeps the SQLite file
            sites.create_site(db.session, "news", "News", auto_create_articles=True)
        except InvalidInput:
            pass
    return app


@pytest.mark.parametrize("storage,shared", [("redis", True), ("memory://", False)])
def test_comment_limit_is_shared_between_app_processes(app_factory, redis_url, storage, shared):
    settings = {"RATELIMIT_STORAGE_URI": redis_url if storage == "redis" else storage,
                "RATELIMIT_KEY_PREFIX": "engage-test-" + secrets.token_hex(4),
                "LIMIT_COMMENT_POSTS": "3/minute", "SECRET_KEY": "shared-secret-" * 4}
    client_one = _app_with_site(app_factory, settings).test_client()
    token = new_token(client_one)
    assert [post_comment(client_one, token, f"c{i}").status_code for i in range(3)] == [201] * 3
    # A second app stands for another worker: init_app binds a new storage client, so with
    # memory:// its count starts at zero, while with Redis the first worker's hits carry over.
    app_two = _app_with_site(app_factory, settings)
    with app_two.app_context():  # the factory reset PostgreSQL: the worker shares one database
        if db.session.get(Reader, token.split(".")[0]) is None:
            db.session.add(Reader(id=token.split(".")[0], network_hash=""))
            db.session.commit()
    response = post_comment(app_two.test_client(), token, "c3")
    assert response.status_code == (429 if shared else 201)
