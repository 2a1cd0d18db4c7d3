"""Property tests through the HTTP API: no input makes a route answer 500; NFC/NFD store alike."""
import json
import unicodedata

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from engage.extensions import db
from engage.models import Comment
from helpers import new_token

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10),
                                                                      children, max_size=4),
    max_leaves=12)


@SETTINGS
@given(name=st.text(max_size=60), text=st.text(max_size=3200))
def test_any_comment_text_answers_201_or_422(app_factory, name, text):
    app = _app(app_factory)
    response = app.test_client().post(
        "/api/v1/sites/open/articles/p/comments", json={"author_name": name, "text": text},
        headers={"X-Engage-Reader": app.config["_token"]})
    assert response.status_code in (201, 400, 422), response.get_json()  # 400: NUL, surrogates


@SETTINGS
@given(body=json_values)
def test_any_json_body_is_a_4xx_or_success_on_every_write(app_factory, body):
    app = _app(app_factory)
    client = app.test_client()
    headers = {"X-Engage-Reader": app.config["_token"]}
    raw = json.dumps(body)
    for method, path in (("PUT", "rating"), ("POST", "comments")):
        response = client.open(f"/api/v1/sites/open/articles/p/{path}", method=method, data=raw,
                               content_type="application/json", headers=headers)
        assert response.status_code < 500 and response.status_code in (200, 201, 400, 422)


@SETTINGS
@given(text=st.text(alphabet="aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐ \u0300\u0301\u0303\u0309\u0323",
                    min_size=1, max_size=80))
def test_nfc_and_nfd_forms_store_identically(app_factory, text):
    app = _app(app_factory)
    client = app.test_client()
    headers = {"X-Engage-Reader": app.config["_token"]}
    stored = []
    for form in ("NFC", "NFD"):
        body = {"author_name": "An", "text": "x " + unicodedata.normalize(form, text)}
        response = client.post(f"/api/v1/sites/open/articles/n{form}/comments", json=body,
                               headers=headers)
        assert response.status_code == 201
        with app.app_context():
            stored.append(db.session.get(Comment, response.get_json()["id"]).body_raw)
    assert stored[0] == stored[1] == unicodedata.normalize("NFC", stored[0])


_APPS: dict = {}


def _app(app_factory):
    """One app per test function (hypothesis calls the body many times with one fixture)."""
    key = id(app_factory)
    if key not in _APPS:
        _APPS.clear()
        app = app_factory(RATELIMIT_ENABLED=False, COMMENT_DUPLICATE_WINDOW_S=0)
        from engage.services import sites
        with app.app_context():
            sites.create_site(db.session, "open", "Open", premoderation=False,
                              auto_create_articles=True)
        app.config["_token"] = new_token(app.test_client())
        _APPS[key] = app
    return _APPS[key]
