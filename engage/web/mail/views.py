"""Thin views for the links in Engage's mails.

A GET only shows a page with a button: mail scanners fetch links in mails, and a fetch must
neither confirm nor unsubscribe anyone.  The POST does it; it carries no CSRF token, because
the signed token in the URL is the authority and the action only ever protects its holder
(the same reason RFC 8058's one-click POST from a mail client works without a session).
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from engage.extensions import csrf, db
from engage.models.types import utcnow
from engage.services import notices

bp = Blueprint("mail", __name__)
csrf.exempt(bp)  # token-authenticated public actions (see the module docstring)

TOKEN_MAX_CHARS = 400


def _key() -> bytes:
    return current_app.extensions["engage_keys"]["mail"]


@bp.get("/confirm/<token>")
def confirm_form(token: str):
    """The confirmation page: one button that confirms."""
    return render_template("mail/action.html", action="confirm", token=token[:TOKEN_MAX_CHARS])


@bp.post("/confirm/<token>")
def confirm(token: str):
    """Confirm the reply notices of the link's address on its site (double opt-in)."""
    confirmed = notices.confirm(db.session, _key(), token[:TOKEN_MAX_CHARS], utcnow(),
                                current_app.config["MAIL_CONFIRM_MAX_AGE_S"])
    return render_template("mail/done.html",
                           action="confirm" if confirmed is not None else "unsubscribed")


@bp.get("/unsubscribe/<token>")
def unsubscribe_form(token: str):
    """The unsubscribe page: one button that stops all mail to the address."""
    return render_template("mail/action.html", action="unsubscribe",
                           token=token[:TOKEN_MAX_CHARS])


@bp.post("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Stop all mail to the link's address: the page's button, or a mail client's one-click
    POST (body ``List-Unsubscribe=One-Click``, RFC 8058 §3.2), answered 200."""
    notices.unsubscribe(db.session, _key(), token[:TOKEN_MAX_CHARS], utcnow())
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 200
    return render_template("mail/done.html", action="unsubscribe")
