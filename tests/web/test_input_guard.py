"""NUL and malformed UTF-8 in query parameters and form fields are refused before any view, on
every database alike (a new-user review met 500s on PostgreSQL — ``text`` cannot hold NUL — and
stored NULs and ``%ED%A0%80`` words on SQLite): nothing is stored, the answer is a clear 4xx."""
import pytest
from sqlalchemy import func, select, update

from engage.extensions import db
from engage.models import Article, Membership, Moderator, Role, Site, SiteWord
from engage.web.inputs import nul_query_parameter, unstorable_form_field
from helpers import assert_api_error, csrf_token, login

FORM = "application/x-www-form-urlencoded"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _admin_of_news(app, client, moderator) -> int:
    with app.app_context():
        db.session.execute(update(Membership).values(role=Role.ADMIN))
        db.session.commit()
        site_id = db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()
    login(client, *moderator)
    return site_id


@pytest.mark.parametrize("query, field", [("moderator=%00", "moderator"),
                                          ("reader=ab%00cd", "reader"),
                                          ("x=1&moderator=a%00", "moderator")])
def test_a_nul_in_a_query_parameter_is_422_on_the_api(client, moderator, query, field):
    login(client, *moderator)
    response = client.get(f"/api/v1/moderation/audit?{query}")
    assert_api_error(response, 422, "param_invalid", field)
    assert response.get_json()["error"]["request_id"]  # the id is given before the guard runs


def test_a_nul_in_lang_falls_back_like_any_unknown_language(client, moderator):
    # the OpenAPI document promises lang never fails a request (schemathesis found the 422)
    login(client, *moderator)
    response = client.get("/api/v1/moderation/audit?lang=e%00n")
    assert response.status_code == 200


def test_a_nul_in_the_widget_url_creates_no_article(app, client, site):
    response = client.get("/widget-url/news?url=https://news.example/a%00b")
    assert response.status_code == 422
    assert "<p>Tham số không hợp lệ.</p>" in response.get_data(as_text=True)
    assert _count(app, Article) == 0
    assert client.get("/widget-url/news?url=https://news.example/ab").status_code == 200
    assert _count(app, Article) == 1


@pytest.mark.parametrize("username", [b"de%00mo", b"%ED%A0%80", b"\xed\xa0\x80", b"ok\x00"])
def test_the_login_form_refuses_nul_and_malformed_utf8_in_a_field(client, moderator, username):
    token = csrf_token(client.get("/moderation/login").get_data(as_text=True))
    body = b"csrf_token=" + token.encode() + b"&username=" + username + b"&password=x"
    response = client.post("/moderation/login", data=body, content_type=FORM)
    assert response.status_code == 400
    assert "Dữ liệu gửi lên chứa ký tự không hợp lệ" in response.get_data(as_text=True)
    english = client.post("/moderation/login?lang=en", data=body, content_type=FORM)
    assert "The request contains characters that are not allowed" in \
        english.get_data(as_text=True)


def test_word_lists_store_no_nul_and_no_escaped_bytes(app, client, moderator):
    site_id = _admin_of_news(app, client, moderator)
    token = csrf_token(client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True))
    for entry in (b"a%00b", b"%ED%A0%80", b"t%E1%BB%AB%FF"):
        body = b"csrf_token=" + token.encode() + b"&kind=banned&entry=" + entry
        response = client.post(f"/moderation/sites/{site_id}/words", data=body, content_type=FORM)
        assert response.status_code == 400, entry
    assert _count(app, SiteWord) == 0
    fine = b"csrf_token=" + token.encode() + b"&kind=banned&entry=t%E1%BB%AB+m%E1%BB%9Bi"
    client.post(f"/moderation/sites/{site_id}/words", data=fine, content_type=FORM)
    with app.app_context():
        assert db.session.execute(select(SiteWord.entry)).scalars().all() == ["từ mới"]


def test_a_multipart_form_with_nul_is_refused_too(app, client, moderator):
    site_id = _admin_of_news(app, client, moderator)
    token = csrf_token(client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True))
    before = _count(app, Moderator)
    account = {"csrf_token": token, "username": "lan", "password": "mat khau dai du 10",
               "role": "moderator"}
    response = client.post(f"/moderation/sites/{site_id}/moderators/new",
                           data={**account, "display_name": "Lan\x00"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _count(app, Moderator) == before
    client.post(f"/moderation/sites/{site_id}/moderators/new",
                data={**account, "display_name": "Lan"}, content_type="multipart/form-data")
    assert _count(app, Moderator) == before + 1  # the same form without the NUL is stored


def test_json_bodies_and_ordinary_forms_pass_untouched(client, site):
    # the guard reads only form bodies and query strings: a JSON body keeps its own checks
    response = client.post("/api/v1/readers", json={})
    assert response.status_code == 201
    assert client.get("/api/v1/sites/news/counts?articles=bai-1%2C").status_code == 200


@pytest.mark.parametrize("query, found", [
    (b"", None), (b"a=1&b=2", None), (b"a=%2500", None), (b"a=%00", "a"), (b"a%00=1", "a"),
    (b"%00=1", "?"), (b"a=%ED%A0%80", None),  # malformed UTF-8 in a query stays %XX text
    (b"lang=v%00i", None), (b"lang=v%00i&a=%00", "a")])  # lang falls back, never an error
def test_nul_query_parameter(query, found):
    assert nul_query_parameter(query) == found


@pytest.mark.parametrize("body, found", [
    (b"", None), (b"a=1&b=x+y", None), (b"a=t%E1%BB%AB", None), ("a=từ".encode(), None),
    (b"a=1&b=%00", "b"), (b"a=\x00", "a"), (b"a=%ED%A0%80", "a"), (b"a=1&b=\xff", "b"),
    (b"%FF=1", "?"), (b"a=%C3", "a")])
def test_unstorable_form_field(body, found):
    assert unstorable_form_field(body) == found
