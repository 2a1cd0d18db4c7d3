"""Composing the outbox's mails at send time: Vietnamese or English by the site's locale,
plain text plus HTML (multipart/alternative), a one-click unsubscribe on every one.

Templates live in ``templates/notices/`` (``<kind>.txt`` and ``<kind>.html``); their words go
through the Babel catalogue like the rest of Engage.  A row whose event no longer holds (its
comment was unpublished, its subscription is gone, its address unsubscribed) is cancelled
instead of sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.domain.mail import CONFIRM, UNSUBSCRIBE, sign_link
from engage.models import (
    Article, Comment, CommentStatus, MailOutbox, MailSubscription, MailSuppression, Site)

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DIGEST_ITEMS = 10  # oldest pending comments listed in a digest


@dataclass(frozen=True)
class MailSettings:
    """What composing needs: the public base URL links start with (no trailing slash), the
    ``From`` address, and the server's mail key (signs confirmation and unsubscribe links)."""

    base_url: str
    from_address: str
    key: bytes


@lru_cache(maxsize=4)
def _environment(locale: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(ROOT / "templates" / "notices")),
                      autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"],
                      trim_blocks=True, lstrip_blocks=True)
    translations = (NullTranslations() if locale == "vi" else
                    Translations.load(str(TRANSLATIONS), [locale], "messages"))
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def _when(value: datetime | None, tz: str) -> str:
    """dd/mm/yyyy HH:MM in the site's zone (the project's display rule)."""
    return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")


def compose(session: Session, row: MailOutbox, settings: MailSettings) -> EmailMessage | str:
    """The message for an outbox row, or the reason to cancel it (a str)."""
    if session.get(MailSuppression, row.to_hash) is not None:
        return "unsubscribed"
    site = session.get(Site, row.site_id)
    if site is None:
        return "site gone"
    builder = _BUILDERS.get(row.kind)
    if builder is None:
        return f"unknown kind {row.kind}"
    context = builder(session, row, site, settings)
    if isinstance(context, str):
        return context
    locale = site.locale if site.locale in ("vi", "en") else "vi"
    lang = "?lang=en" if locale == "en" else ""  # the link's page in the mail's language
    unsubscribe = (f"{settings.base_url}/mail/unsubscribe/"
                   f"{sign_link(settings.key, UNSUBSCRIBE, row.to_hash)}{lang}")
    if "confirm_url" in context:
        context["confirm_url"] += lang
    context.update(site=site, unsubscribe_url=unsubscribe, base_url=settings.base_url)
    env = _environment(locale)
    subject = env.get_template(f"{row.kind}.subject.txt").render(context).strip()
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = Address(site.name, addr_spec=settings.from_address)
    message["To"] = row.to_address
    message["Date"] = format_datetime(row.created_at)
    domain = settings.from_address.rpartition("@")[2] or "engage.invalid"
    message["Message-ID"] = f"<engage-mail-{row.id}@{domain}>"  # the same on a resend
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    message.set_content(env.get_template(f"{row.kind}.txt").render(context))
    message.add_alternative(env.get_template(f"{row.kind}.html").render(context), subtype="html")
    return message


def absolute_article_url(url: str | None, site: Site, base_url: str) -> str:
    """The article's address as a mail can link it: absolute http(s), or ``""`` for none.

    A site may store article URLs relative to its own pages (the demo does); they are resolved
    against the site's first allowed origin, else Engage's ``PUBLIC_BASE_URL`` (which serves
    the demo).  A mail client has no page to resolve a relative link against.
    """
    if not url:
        return ""
    origins = [o for o in (site.allowed_origins or []) if o.startswith(("http://", "https://"))]
    absolute = urljoin((origins[0] if origins else base_url).rstrip("/") + "/", url)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else ""


def _comment(session: Session, comment_id: int):
    return session.execute(select(Comment, Article).join(Article, Article.id == Comment.article_id)
                           .where(Comment.id == comment_id)).first()


def _confirm(session: Session, row: MailOutbox, site: Site, settings: MailSettings):
    waiting = session.execute(select(func.count()).where(
        MailSubscription.site_id == site.id, MailSubscription.email_hash == row.to_hash,
        MailSubscription.confirmed_at.is_(None))).scalar_one()
    if not waiting:
        return "nothing to confirm"
    token = sign_link(settings.key, CONFIRM, [site.id, row.to_hash])
    return {"confirm_url": f"{settings.base_url}/mail/confirm/{token}"}


def _published(session: Session, row: MailOutbox, site: Site, settings: MailSettings):
    found = _comment(session, row.payload.get("comment_id", 0))
    if found is None or found[0].status is not CommentStatus.APPROVED:
        return "comment not published"
    comment, article = found
    return {"comment": comment, "article": article,
            "article_url": absolute_article_url(article.url, site, settings.base_url),
            "when": _when(comment.published_at, site.timezone)}


def _reply(session: Session, row: MailOutbox, site: Site, settings: MailSettings):
    context = _published(session, row, site, settings)
    if isinstance(context, str):
        return context
    subscribed = session.execute(select(MailSubscription.id).where(
        MailSubscription.comment_id == row.payload.get("parent_id", 0),
        MailSubscription.email_hash == row.to_hash,
        MailSubscription.confirmed_at.is_not(None))).first()
    return "subscription gone" if subscribed is None else context


def _digest(session: Session, row: MailOutbox, site: Site, settings: MailSettings):
    items = session.execute(
        select(Comment, Article).join(Article, Article.id == Comment.article_id)
        .where(Comment.site_id == site.id, Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at, Comment.id).limit(DIGEST_ITEMS)).all()
    return {"pending": row.payload.get("pending", 0),
            "oldest_minutes": row.payload.get("oldest_minutes", 0),
            "items": [{"author": c.author_name, "text": c.body_raw[:200],
                       "article": a.title or a.key, "when": _when(c.created_at, site.timezone)}
                      for c, a in items],
            "queue_url": f"{settings.base_url}/moderation/"}


def _daily(session: Session, row: MailOutbox, site: Site, settings: MailSettings):
    day = row.payload.get("day", "")
    return {**row.payload, "day_shown": "/".join(reversed(day.split("-"))),
            "queue_url": f"{settings.base_url}/moderation/"}


_BUILDERS = {"confirm": _confirm, "published": _published, "reply": _reply,
             "digest": _digest, "daily": _daily}
