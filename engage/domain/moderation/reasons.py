"""Stable reason codes of the moderation checks and their Vietnamese and English wording.

Codes are stored with each comment (``Reason.as_json``) and never change meaning; the wording
is what the moderator workspace and the API show next to the highlighted spans.
"""
from __future__ import annotations

ARTICLE_CLOSED = "article_closed"
ARTICLE_AUTO_CLOSED = "article_auto_closed"
READER_BANNED = "reader_banned"
HONEYPOT = "honeypot"
FORM_TOO_FAST = "form_too_fast"
FORM_TOO_OLD = "form_too_old"
DUPLICATE = "duplicate"
BANNED_WORD = "banned_word"
SUSPECT_WORD = "suspect_word"
TOO_MANY_LINKS = "too_many_links"
STACKED_MARKS = "stacked_marks"
NEW_READER = "new_reader"
PREMODERATION = "premoderation"
ASSIST_RISK = "assist_risk"
REPORTED = "reported"  # set by reader reports (engage.services.reactions), not by a check

# code -> (Vietnamese, English). The table is the single source of the wording; a test checks
# that every code a check can return has an entry.
REASON_TEXT: dict[str, tuple[str, str]] = {
    ARTICLE_CLOSED: ("Bài viết đã đóng bình luận.",
                     "Comments are closed on this article."),
    ARTICLE_AUTO_CLOSED: ("Bài viết đã tự động đóng bình luận sau thời hạn.",
                          "Comments closed automatically after the article's comment period."),
    READER_BANNED: ("Bạn đọc hoặc mạng IP này đang bị cấm bình luận.",
                    "This reader or IP network is banned from commenting."),
    HONEYPOT: ("Trường ẩn chống spam đã bị điền: có thể là máy gửi.",
               "The hidden anti-spam field was filled in: likely a bot."),
    FORM_TOO_FAST: ("Bình luận được gửi quá nhanh sau khi mở biểu mẫu.",
                    "Submitted too soon after the form was opened."),
    FORM_TOO_OLD: ("Biểu mẫu đã mở quá lâu trước khi gửi.",
                   "The form was opened too long before it was submitted."),
    DUPLICATE: ("Bạn đọc này vừa gửi một bình luận giống hệt.",
                "The same reader recently posted the same text."),
    BANNED_WORD: ("Có từ ngữ bị cấm.",
                  "Contains a banned word."),
    SUSPECT_WORD: ("Có từ ngữ cần kiểm duyệt.",
                   "Contains a word that needs review."),
    TOO_MANY_LINKS: ("Có quá nhiều liên kết.",
                     "Contains too many links."),
    STACKED_MARKS: ("Có ký tự chồng quá nhiều dấu (chữ \"Zalgo\"), có thể che chữ xung quanh.",
                    "Stacks too many marks on a character (\"Zalgo\" text), which can cover "
                    "the text around it."),
    NEW_READER: ("Bình luận đầu tiên của bạn đọc mới: chờ duyệt.",
                 "One of a new reader's first comments: held for review."),
    PREMODERATION: ("Trang hoặc bài viết đang bật duyệt trước mọi bình luận.",
                    "The site or article holds every comment for review."),
    ASSIST_RISK: ("Trợ lý kiểm duyệt đánh giá bình luận này có rủi ro cao.",
                  "The moderation assistant rates this comment as high-risk."),
    REPORTED: ("Bị độc giả báo cáo: đã đủ số lượt báo cáo nên được đưa lại vào hàng đợi.",
               "Reported by readers: enough reports sent it back to the queue."),
}


def reason_text(code: str, locale: str = "vi") -> str:
    """The wording of a reason code in ``locale`` ("vi" or "en"); the code itself if unknown.

    :param code: a code stored with a comment.
    :param locale: a locale name; anything starting with "en" gives English, else Vietnamese.
    """
    texts = REASON_TEXT.get(code)
    if texts is None:
        return code
    return texts[1] if locale.lower().startswith("en") else texts[0]
