"""Moderator decisions: the fixed list of rejection reason codes, and the undo rule.

The codes are stored in each audit row (``moderation_action.reason_code``) and never change
meaning.  The categories are the ones Vietnamese newspapers' comment rules commonly list (no
insults, incitement, vulgarity, advertising, off-topic posts, false information or personal
data) and those of the prohibited acts in Decree 72/2013/NĐ-CP art. 5; the list is a product
choice, not measured.  ``other`` needs a note so the log still says why.
"""
from __future__ import annotations

from datetime import datetime, timedelta

# code -> (Vietnamese, English).  Order is the order shown to moderators (keys 1..8).
REJECT_REASONS: dict[str, tuple[str, str]] = {
    "insult": ("Xúc phạm, lăng mạ, công kích cá nhân", "Insult or personal attack"),
    "hate": ("Kích động thù hằn, phân biệt vùng miền, dân tộc, tôn giáo",
             "Incitement to hatred or discrimination (region, ethnicity, religion)"),
    "vulgar": ("Ngôn từ thô tục", "Vulgar language"),
    "advertising": ("Quảng cáo, rao vặt", "Advertising"),
    "off_topic": ("Không liên quan đến bài viết", "Off topic"),
    "misinformation": ("Thông tin sai sự thật", "False information"),
    "privacy": ("Tiết lộ thông tin cá nhân", "Discloses personal information"),
    "other": ("Lý do khác (ghi chú bắt buộc)", "Other reason (note required)"),
}
NOTE_REQUIRED = frozenset({"other"})
NOTE_MAX_CHARS = 500


def reject_reason_text(code: str, locale: str = "vi") -> str:
    """The wording of a rejection reason in ``locale`` ("en…" English, else Vietnamese); the code
    itself when unknown (old rows keep showing something)."""
    texts = REJECT_REASONS.get(code)
    if texts is None:
        return code
    return texts[1] if locale.lower().startswith("en") else texts[0]


def check_reason(action: str, reason_code: str, note: str) -> str | None:
    """Why a decision's reason is unacceptable, as an error code, or ``None`` when it is fine.

    :param action: ``"approve"``, ``"reject"`` or ``"spam"``.
    :param reason_code: a key of :data:`REJECT_REASONS`, required for ``reject`` and refused
        for the other actions ("" there).
    :param note: free text, at most :data:`NOTE_MAX_CHARS` characters; required for ``other``.
    :returns: ``reason_required``, ``reason_invalid``, ``note_required`` or ``reason_too_long``.
    """
    if len(note) > NOTE_MAX_CHARS:
        return "reason_too_long"
    if action != "reject":
        return "reason_invalid" if reason_code else None
    if not reason_code:
        return "reason_required"
    if reason_code not in REJECT_REASONS:
        return "reason_invalid"
    if reason_code in NOTE_REQUIRED and not note.strip():
        return "note_required"
    return None


def undo_allowed(acted_at: datetime, now: datetime, window_seconds: int) -> bool:
    """Whether a decision taken at ``acted_at`` may still be undone at ``now``.

    :param window_seconds: the configured undo window (``MODERATION_UNDO_WINDOW_S``); 0 turns
        undo off.  The window is closed at both ends: a decision "from the future" (clock skew
        between workers) is not undoable either.
    """
    return window_seconds > 0 and acted_at <= now <= acted_at + timedelta(seconds=window_seconds)
