"""The pipeline's checks, one small pure function each, in the order of DESIGN.md §7.

Each takes a :class:`~.context.CommentContext` and returns a :class:`~.context.Reason` or
``None``. Rate limits and length limits ("limits" in DESIGN.md §7) are enforced before the
pipeline runs (Flask-Limiter and ``prepare_comment``), so they have no check here.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache

from engage.domain.moderation import reasons as codes
from engage.domain.moderation.context import Check, CommentContext, Decision, Reason
from engage.domain.moderation.matcher import merge_spans

# A link: a scheme or "www." (what linkify turns into an anchor, DESIGN.md §6), or a bare host
# name ("abc.com.vn", "x.xyz/path"), which spammers type precisely because it is not linkified
# yet readers can copy it. The top-level domains are the common generic ones, .vn, and cheap
# ones often seen in link spam (a judgement, not a measured list; extend it freely).
_TLDS = ("com|net|org|info|biz|vn|io|co|me|xyz|top|online|site|shop|club|link|live|icu|"
         "buzz|tk|ml|ga|cf|gq|ru|cn|ly")
_LINK_RE = re.compile(
    rf"(?:https?://|www\.)[^\s<>\"']+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_LINK_TRAILING = ".,;:!?)]}\"'"

# Duplicates shorter than this (after folding) are allowed: "Cảm ơn", "Đồng ý" are often
# posted twice by real readers; spam runs post sentences.
DUPLICATE_MIN_CHARS = 12


def article_closed(article_open: bool, published_at: datetime | None,
                   auto_close_days: int | None, now: datetime) -> str | None:
    """Say why comments are closed on an article, or ``None`` when they are open.

    The service can call this to refuse early with the same rule the pipeline applies.

    :returns: :data:`.reasons.ARTICLE_CLOSED`, :data:`.reasons.ARTICLE_AUTO_CLOSED` or ``None``.
    """
    if not article_open:
        return codes.ARTICLE_CLOSED
    if published_at is not None and auto_close_days:
        try:
            closes_at = published_at + timedelta(days=auto_close_days)
        except OverflowError:  # after year 9999: never (a stored time from before the bounds
            return None        # of engage.services.integration.PUBLISHED_AT_MAX)
        if now >= closes_at:
            return codes.ARTICLE_AUTO_CLOSED
    return None


def check_article_open(ctx: CommentContext) -> Reason | None:
    """Reject on a closed article, or one auto-closed N days after publication (DESIGN §7)."""
    code = article_closed(ctx.article_open, ctx.published_at, ctx.auto_close_days, ctx.now)
    return Reason(code, Decision.REJECT) if code else None


def check_reader_banned(ctx: CommentContext) -> Reason | None:
    """Reject while a ban on the reader's token or IP network is active (issue 5, item 4).

    The service answers a banned reader exactly like any other (no oracle) and stores the
    comment as rejected for the record.
    """
    if any(ban.active(ctx.now) for ban in ctx.bans):
        return Reason(codes.READER_BANNED, Decision.REJECT)
    return None


def check_honeypot(ctx: CommentContext) -> Reason | None:
    """Spam when the hidden honeypot field holds anything (humans never see it)."""
    return Reason(codes.HONEYPOT, Decision.SPAM) if ctx.honeypot.strip() else None


def check_form_age(ctx: CommentContext) -> Reason | None:
    """Hold below the minimum form age and above the maximum.

    Defaults: 3 s minimum (a reader rarely types a comment faster; a judgement); 2 h
    maximum, the lifetime django-contrib-comments gives its form timestamp
    (``DEFAULT_COMMENTS_TIMEOUT = 2 * 60 * 60``, django_comments/forms.py).  Both only hold:
    the widget measures from its own load, and a quick "Hay quá!" from a real reader must
    reach a moderator rather than vanish as spam (the honeypot is the bot signal that spams).
    """
    age = ctx.form_age_seconds
    if age is None:
        return None
    if age < ctx.min_form_seconds:
        return Reason(codes.FORM_TOO_FAST, Decision.HOLD)
    if ctx.max_form_seconds is not None and age > ctx.max_form_seconds:
        return Reason(codes.FORM_TOO_OLD, Decision.HOLD)
    return None


@lru_cache(maxsize=1024)
def duplicate_key(text: str) -> str:
    """The form under which two texts count as the same: case, width, spacing and
    punctuation ignored (NFKC, casefold, words only). Store it to look duplicates up in SQL.

    Cached: a reader's recent texts are compared again at each of their comments.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"[^\W_]+", folded))


def check_duplicate(ctx: CommentContext) -> Reason | None:
    """Spam when the reader recently posted the same text (``ctx.recent_texts``)."""
    key = duplicate_key(ctx.text)
    if len(key) < DUPLICATE_MIN_CHARS:
        return None
    if any(duplicate_key(t) == key for t in ctx.recent_texts):
        return Reason(codes.DUPLICATE, Decision.SPAM, ((0, len(ctx.text)),))
    return None


def check_banned_words(ctx: CommentContext) -> Reason | None:
    """Reject when a banned term appears (matched with its accents; see ``matcher``)."""
    if ctx.wordlists is None:
        return None
    matches = ctx.wordlists.banned(ctx.text)
    return Reason(codes.BANNED_WORD, Decision.REJECT, merge_spans(matches)) if matches else None


def check_suspect_words(ctx: CommentContext) -> Reason | None:
    """Hold when a suspect term appears (matched accent-insensitively)."""
    if ctx.wordlists is None:
        return None
    matches = ctx.wordlists.suspect(ctx.text)
    return Reason(codes.SUSPECT_WORD, Decision.HOLD, merge_spans(matches)) if matches else None


def check_assist_risk(ctx: CommentContext) -> Reason | None:
    """Hold when the moderation assistant's risk reaches the admin's threshold (issue 10).

    It never rejects on its own: only when an admin sets ``assist_reject_at`` does a risk at or
    above it reject.  The spans are the words behind the score, for the moderator.
    """
    risk = ctx.assist_risk
    if risk is None:
        return None
    spans = tuple(sorted((start, end) for _, _, start, end in ctx.assist_terms))
    if ctx.assist_reject_at is not None and risk >= ctx.assist_reject_at:
        return Reason(codes.ASSIST_RISK, Decision.REJECT, spans)
    if ctx.assist_hold_at is not None and risk >= ctx.assist_hold_at:
        return Reason(codes.ASSIST_RISK, Decision.HOLD, spans)
    return None


def find_links(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of the links in ``text``: URLs with a scheme or "www.", and bare host names."""
    spans = []
    for match in _LINK_RE.finditer(text):
        end = match.start() + len(match.group().rstrip(_LINK_TRAILING))
        spans.append((match.start(), end))
    return tuple(spans)


def check_links(ctx: CommentContext) -> Reason | None:
    """Hold when the text has more than ``ctx.link_limit`` links (site setting, DESIGN §7)."""
    if ctx.link_limit is None:
        return None
    spans = find_links(ctx.text)
    if len(spans) <= ctx.link_limit:
        return None
    return Reason(codes.TOO_MANY_LINKS, Decision.HOLD, spans)


#: Most combining marks one character may carry before a comment is held.  Vietnamese needs
#: none after NFC and at most two in NFD (a vowel mark and a tone mark, "ệ" = e + U+0323 +
#: U+0302); pointed Hebrew and Thai stay within three.  "Zalgo" text stacks dozens, which the
#: browser draws over the lines around it.  UAX #15 §13 (Stream-Safe Text Format) bounds a run
#: of non-starters at 30 for processing; this is a display rule, so it is much lower.
MAX_STACKED_MARKS = 4
_STACKED_MARKS_RE = re.compile(r"[^\W\d_]?(?:[\u0300-\u036f\u0483-\u0489\u0591-\u05bd"
                               r"\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])"
                               rf"{{{MAX_STACKED_MARKS + 1},}}")


def stacked_mark_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of characters carrying more than :data:`MAX_STACKED_MARKS` combining marks.

    The marks counted are the combining blocks Zalgo generators draw from (Combining
    Diacritical Marks and their Extended/Supplement blocks, Cyrillic and Hebrew marks, marks
    for symbols, half marks); each span covers the base letter (if any) and its marks.
    """
    if len(text) < MAX_STACKED_MARKS + 1:
        return ()
    return tuple(m.span() for m in _STACKED_MARKS_RE.finditer(text))


def check_stacked_marks(ctx: CommentContext) -> Reason | None:
    """Hold "Zalgo" text: a character with more than :data:`MAX_STACKED_MARKS` marks."""
    spans = stacked_mark_spans(ctx.text)
    return Reason(codes.STACKED_MARKS, Decision.HOLD, spans) if spans else None


def check_new_reader(ctx: CommentContext) -> Reason | None:
    """Hold a reader's comments until ``first_n_hold`` of them were approved (site setting)."""
    if ctx.reader_approved_count < ctx.first_n_hold:
        return Reason(codes.NEW_READER, Decision.HOLD)
    return None


def check_premoderation(ctx: CommentContext) -> Reason | None:
    """Hold every comment when the site or article is pre-moderated (DESIGN.md §7, last step)."""
    return Reason(codes.PREMODERATION, Decision.HOLD) if ctx.premoderation else None


DEFAULT_CHECKS: tuple[Check, ...] = (
    check_article_open,
    check_reader_banned,
    check_honeypot,
    check_form_age,
    check_duplicate,
    check_banned_words,
    check_suspect_words,
    check_assist_risk,
    check_links,
    check_stacked_marks,
    check_new_reader,
    check_premoderation,
)

# The checks that read only the text, as ``engage eval-moderation`` measures them.
TEXT_CHECKS: tuple[Check, ...] = (check_banned_words, check_suspect_words, check_links,
                                  check_stacked_marks)
