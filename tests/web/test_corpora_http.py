"""Every XSS payload and naughty string through the HTTP API, approved, then rendered: nothing
outside the allowlist, in the API's HTML or in the widget page; no 500 on any of them."""
import pytest
from sqlalchemy import select

from corpus_tools import load_payloads, allowlist_violations, page_violations
from engage.extensions import db
from engage.models import Comment, CommentStatus, Moderator
from engage.models.moderation import ModerationActionKind
from engage.models.types import utcnow
from engage.services import moderation
from helpers import new_token

WIDGET_SCRIPTS = {"application/json"}  # and our own /static/ scripts


@pytest.mark.parametrize("backend", ["sqlite"])  # the full corpus once; the sample on each backend
def test_corpora_through_api_moderation_and_widget(app_factory, backend, corpora_dir):
    _run_corpus(app_factory, load_payloads(corpora_dir))


def test_corpus_sample_on_each_backend(app_factory, corpora_dir):
    payloads = load_payloads(corpora_dir)
    _run_corpus(app_factory, payloads[::25])


def _run_corpus(app_factory, payloads):
    app = app_factory(RATELIMIT_ENABLED=False)
    client = app.test_client()
    from engage.services import accounts, sites
    with app.app_context():
        sites.create_site(db.session, "xss", "XSS", premoderation=True, auto_create_articles=True)
        accounts.create_moderator(db.session, "m", "long-password", "M", ["xss"])
    token = new_token(client)
    statuses = {}
    for i, payload in enumerate(payloads):
        response = client.post(f"/api/v1/sites/xss/articles/a{i // 40}/comments",
                               json={"author_name": payload[:50] or "x", "text": payload},
                               headers={"X-Engage-Reader": token})
        statuses.setdefault(response.status_code, []).append(payload)
        assert response.status_code in (201, 422), (payload, response.get_json())
    assert len(statuses.get(201, [])) > len(payloads) * 0.9
    with app.app_context():
        mod = db.session.execute(select(Moderator)).scalar_one()
        # Every stored payload is approved, whatever the pipeline said (held, spam for a
        # near-duplicate, rejected for a banned word), so all of them get rendered.
        held = db.session.execute(select(Comment.id, Comment.status)).all()
        for cid, status in held:
            moderation.moderate(db.session, mod, cid, ModerationActionKind.APPROVE, status,
                                utcnow())
    for n in range(len(payloads) // 40 + 1):
        cursor, seen = None, 0
        while True:
            url = f"/api/v1/sites/xss/articles/a{n}/comments?limit=50&sort=oldest"
            body = client.get(url + (f"&cursor={cursor}" if cursor else "")).get_json()
            for comment in body["comments"]:
                assert not allowlist_violations(comment["html"]), comment["html"]
                seen += 1
            cursor = body["next_cursor"]
            if not cursor:
                break
        page = client.get(f"/widget/xss/a{n}")
        assert page.status_code == 200
        assert not page_violations(page.get_data(as_text=True), WIDGET_SCRIPTS)
