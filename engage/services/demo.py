"""The demo site: one site, the seed article and a moderator, created idempotently."""
from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.models import Article, Membership, Moderator, Role, Site
from engage.services.accounts import generate_password
from engage.services.tx import write_transaction

DEMO_SITE = "demo"
DEMO_ARTICLE = "mua-nuoc-noi-dong-thap-2026"
DEMO_TITLE = "Mùa nước nổi về, người dân Đồng Tháp tất bật mưu sinh"
DEMO_MODERATOR = "demo"


@dataclass(frozen=True)
class DemoAccount:
    """What ``engage demo`` prints: the moderator's login."""

    username: str
    password: str


def seed_demo(session: Session, origins: list[str]) -> DemoAccount:
    """Create or refresh the demo site, its seed article and the demo moderator.

    Idempotent: a second run creates nothing new, updates the allowed origins and issues a
    fresh moderator password (revoking the old sessions), since only its hash is stored.
    """
    password = generate_password()
    with write_transaction(session):
        site = session.execute(select(Site).where(Site.slug == DEMO_SITE)).scalar_one_or_none()
        if site is None:
            site = Site(slug=DEMO_SITE, name="Báo Demo", premoderation=True,
                        auto_create_articles=True)
            session.add(site)
            session.flush()
        site.allowed_origins = list(origins)
        article = session.execute(select(Article).where(
            Article.site_id == site.id, Article.key == DEMO_ARTICLE)).scalar_one_or_none()
        if article is None:
            session.add(Article(site_id=site.id, key=DEMO_ARTICLE, title=DEMO_TITLE,
                                url="/demo/"))
        moderator = session.execute(select(Moderator).where(
            Moderator.username == DEMO_MODERATOR)).scalar_one_or_none()
        if moderator is None:
            moderator = Moderator(username=DEMO_MODERATOR, display_name="Biên tập viên Demo",
                                  password_hash="")
            session.add(moderator)
            session.flush()
            session.add(Membership(moderator_id=moderator.id, site_id=site.id, role=Role.ADMIN))
        moderator.password_hash = PasswordHasher().hash(password)
        moderator.session_version = (moderator.session_version or 0) + 1
    return DemoAccount(DEMO_MODERATOR, password)
