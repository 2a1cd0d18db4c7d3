"""Mappings and constraints only: every table Engage stores."""
from engage.models.article import Article
from engage.models.comment import Comment, CommentStatus
from engage.models.moderation import ModerationAction, ModerationActionKind
from engage.models.moderator import Membership, Moderator, Role
from engage.models.rating import Rating
from engage.models.reader import Reader
from engage.models.site import Site

__all__ = [
    "Article", "Comment", "CommentStatus", "Membership", "ModerationAction",
    "ModerationActionKind", "Moderator", "Rating", "Reader", "Role", "Site",
]
