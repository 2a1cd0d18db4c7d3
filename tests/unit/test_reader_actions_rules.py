"""Reader-action rules that need no database: report reasons, text fingerprints, edit window."""
import typing
from datetime import datetime, timedelta, timezone

from engage.domain.comments import CommentLimits, prepare_comment, prepare_text
from engage.models import ReportReason
from engage.services.comment_edits import editable_until
from engage.services.idempotency import text_fingerprint
from engage.web.api.schemas import ReportBody


def test_report_body_reasons_are_the_stored_reasons():
    allowed = typing.get_args(ReportBody.model_fields["reason"].annotation)
    assert list(allowed) == [r.value for r in ReportReason]


def test_text_fingerprint_separates_article_parent_and_text():
    base = text_fingerprint(1, None, "Hay")
    assert base == text_fingerprint(1, None, "Hay")
    assert len({base, text_fingerprint(2, None, "Hay"), text_fingerprint(1, 7, "Hay"),
                text_fingerprint(1, None, "Hay!")}) == 4


def test_prepare_text_is_the_text_half_of_prepare_comment():
    limits = CommentLimits(max_chars=50)
    whole = prepare_comment("An", "Xin  chào\n\n\n\nbạn", limits)
    text = prepare_text("Xin  chào\n\n\n\nbạn", limits)
    assert (text.text, text.html, text.sanitizer_version) == (
        whole.text, whole.html, whole.sanitizer_version)


def test_edit_window_ends_window_seconds_after_posting():
    posted = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert editable_until(posted, 300) == posted + timedelta(minutes=5)
