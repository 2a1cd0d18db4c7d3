"""Locale and time zone selection, and display formats (Vietnamese first)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import g, request
from flask_babel import format_datetime, get_locale

from engage.domain.ratings import format_average

LOCALES = ("vi", "en")


def select_locale() -> str:
    """``?lang=`` when it names a supported locale, else the site's locale, else Vietnamese.

    An unsupported ``?lang=`` (``fr``, ``EN``, ``vi-VN``) is not an error, on pages or in the
    API: like ``Accept-Language`` negotiation, the request is answered in the default locale,
    and nothing else about the answer changes (API error ``code`` values are the same in
    every language; only ``message`` is translated).
    """
    asked = request.args.get("lang", "")
    if asked in LOCALES:
        return asked
    site_locale = g.get("site_locale")
    return site_locale if site_locale in LOCALES else "vi"


def select_timezone() -> str:
    """The site's time zone when a view has set one, else Asia/Ho_Chi_Minh."""
    return g.get("site_timezone") or "Asia/Ho_Chi_Minh"


def display_datetime(value: datetime) -> str:
    """``dd/mm/yyyy HH:MM`` in the request's time zone (the site's; Asia/Ho_Chi_Minh by default)."""
    return format_datetime(value, "dd/MM/yyyy HH:mm")


def display_average(value: Decimal | None) -> str:
    """The rounded average with the locale's decimal mark ("4,3" vi, "4.3" en); "" for none."""
    return "" if value is None else format_average(value, str(get_locale()))
