"""A sample of the XSS and naughty-string corpora rendered in Chromium: no dialog ever fires.

The payloads are stored through the same services the API uses (published on a
post-moderated site) in the running server's database, then each widget page is opened with
``alert``/``confirm``/``prompt``/``print`` hooked and dialogs watched.
"""
from __future__ import annotations

import pytest

from corpus_tools import load_payloads

pytestmark = pytest.mark.browser

SAMPLE_SIZE = 240
PER_ARTICLE = 20
HOOK = """
window.__fired = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__fired.push([name, String(args[0])]); };
}
"""


def _seed(database_url: str, payloads: list[str]) -> int:
    """Publish the payloads as comments on ``xss`` articles; returns how many were stored."""
    from engage import create_app
    from engage.domain.comments import CommentLimits
    from engage.domain.errors import InvalidInput
    from engage.extensions import db
    from engage.models.types import utcnow
    from engage.services import comments, sites

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x" * 40})
    stored = 0
    with app.app_context():
        sites.create_site(db.session, "xss", "XSS", premoderation=False, auto_create_articles=True)
        for i, payload in enumerate(payloads):
            try:
                comments.submit_comment(db.session, "xss", f"x{i // PER_ARTICLE}", "r",
                                        payload[:50] or "x", payload, None, "n", utcnow(),
                                        CommentLimits())
                stored += 1
            except InvalidInput:
                pass
        db.engine.dispose()
    return stored


def test_no_payload_fires_a_dialog(engage_server, browser_context, corpora_dir):
    payloads = load_payloads(corpora_dir)
    sample = payloads[::max(1, len(payloads) // SAMPLE_SIZE)][:SAMPLE_SIZE + 10]
    stored = _seed(engage_server.database_url, sample)
    assert stored >= 200, f"only {stored} payloads were stored"
    page = browser_context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(HOOK)
    rendered = 0
    for n in range(len(sample) // PER_ARTICLE + 1):
        page.goto(f"{engage_server.base_url}/widget/xss/x{n}?limit=50")
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)
        rendered += page.locator(".engage-comment").count()
        assert page.evaluate("window.__fired") == [], f"article x{n}"
    assert not dialogs
    assert rendered >= 200
