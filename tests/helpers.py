"""Small helpers for web tests: reader tokens and JSON calls."""
from __future__ import annotations

import json
import re
from urllib import error as urlerror
from urllib import request as urlrequest

ARTICLE = "bai-viet-1"


def new_token(client) -> str:
    """Issue a reader token through the API."""
    response = client.post("/api/v1/readers")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def rate(client, token, stars, site="news", article=ARTICLE, **kw):
    """PUT a rating."""
    return client.put(f"/api/v1/sites/{site}/articles/{article}/rating", json={"stars": stars},
                      headers={"X-Engage-Reader": token}, **kw)


def post_comment(client, token, text, name="Độc giả", site="news", article=ARTICLE, **extra):
    """POST a comment."""
    body = {"author_name": name, "text": text, **extra}
    return client.post(f"/api/v1/sites/{site}/articles/{article}/comments", json=body,
                       headers={"X-Engage-Reader": token})


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no csrf token in page"
    return match.group(1)


def login(client, username, password):
    """Log a moderator in through the form."""
    token = csrf_token(client.get("/moderation/login").get_data(as_text=True))
    return client.post("/moderation/login", data={"csrf_token": token, "username": username,
                                                  "password": password})


def http_json(method, url, token=None, body=None, headers=None):
    """A JSON request to a real server (see the ``live_server`` fixture): ``(status, body)``."""
    data = json.dumps(body).encode() if body is not None else None
    req = urlrequest.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for name, value in {**({"X-Engage-Reader": token} if token else {}), **(headers or {})}.items():
        req.add_header(name, value)
    try:
        with urlrequest.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urlerror.HTTPError as err:
        return err.code, json.loads(err.read())


def assert_api_error(response, status: int, code: str, field: str | None = None) -> None:
    """The response is a JSON API error with this status and code (and field, if given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code
    if field:
        assert error["details"]["field"] == field
