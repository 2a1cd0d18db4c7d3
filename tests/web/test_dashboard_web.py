"""The dashboard page: server-side SVG charts built from the site's rows, no script."""
import re

from engage.extensions import db
from engage.services import moderation_actions
from engage.models import CommentStatus, ModerationActionKind, Moderator
from engage.models.types import utcnow
from helpers import login, new_token, post_comment, rate


def test_dashboard_draws_the_sites_numbers(app, client, moderator):
    token = new_token(client)
    ids = [post_comment(client, token, f"Bình luận {i}").get_json()["id"] for i in range(3)]
    for stars in (5, 4):
        rate(client, new_token(client), stars)
    with app.app_context():
        mod = db.session.execute(db.select(Moderator)).scalar_one()
        moderation_actions.decide(db.session, mod, ids[:2], ModerationActionKind.APPROVE,
                                  CommentStatus.PENDING, utcnow())
    login(client, *moderator)
    page = client.get("/moderation/dashboard").get_data(as_text=True)
    assert page.count("<svg") == 6 and "<script>" not in page and "style=" not in page
    # pending now: 1 (one left), approval rate for premoderation: 2 of 2
    assert re.search(r"<title>bây giờ: 1</title>", page)
    assert "100% (2/2)" in page
    assert "<title>5★: 1</title>" in page and "<title>4★: 1</title>" in page
    assert re.search(r"bai-viet-1</bdi></a> — 2<", page)


def test_dashboard_shows_a_hold_reasons_whole_wording(app, client, moderator):
    """The approval-by-reason chart wraps a long reason onto several lines; it used to cut it
    at 38 characters ("…đang bật duyệt trư")."""
    ids = [post_comment(client, new_token(client), "Bình luận chờ duyệt").get_json()["id"]]
    with app.app_context():
        mod = db.session.execute(db.select(Moderator)).scalar_one()
        moderation_actions.decide(db.session, mod, ids, ModerationActionKind.APPROVE,
                                  CommentStatus.PENDING, utcnow())
    login(client, *moderator)
    page = client.get("/moderation/dashboard").get_data(as_text=True)
    label = re.search(r'<text class="label"[^>]*>(.*?)</text>', page).group(1)
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label)
    assert len(lines) > 1
    assert " ".join(lines) == "Trang hoặc bài viết đang bật duyệt trước mọi bình luận."
