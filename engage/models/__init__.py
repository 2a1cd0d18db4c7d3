"""Mappings and constraints only: every table Engage stores."""
from engage.models.api_key import SiteApiKey
from engage.models.article import Article
from engage.models.ban import Ban, BanScope
from engage.models.comment import Comment, CommentStatus
from engage.models.idempotency import ClaimScope, RequestClaim
from engage.models.moderation import ModerationAction, ModerationActionKind
from engage.models.notification import MailOutbox, MailSubscription, MailSuppression
from engage.models.moderator import Membership, Moderator, Role
from engage.models.rating import Rating
from engage.models.reaction import CommentLike, CommentReport, ReportReason
from engage.models.reader import Reader
from engage.models.site import Site
from engage.models.webhook import WebhookDelivery
from engage.models.wordlist import SiteWord, WordListKind

__all__ = [
    "Article", "Ban", "BanScope", "ClaimScope", "Comment", "CommentLike", "CommentReport", "CommentStatus",
    "MailOutbox", "MailSubscription", "MailSuppression", "Membership", "ModerationAction", "ModerationActionKind", "Moderator", "Rating", "Reader",
    "ReportReason", "RequestClaim", "Role", "Site", "SiteApiKey", "SiteWord", "WebhookDelivery",
    "WordListKind",
]
