"""Site: one news site (tenant) and its settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Site(db.Model):
    """A tenant.  ``allowed_origins`` is a list of exact ``scheme://host[:port]`` strings."""

    __tablename__ = "site"
    __table_args__ = (CheckConstraint("report_threshold >= 0", name="report_threshold_nonnegative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    # Pre-moderation: every comment waits in the moderation queue until a moderator approves it.
    premoderation: Mapped[bool] = mapped_column(Boolean, default=True)
    # Articles may be created on first use by the public API (demo site; CMS-less sites).
    auto_create_articles: Mapped[bool] = mapped_column(Boolean, default=False)
    # schema.org type whose AggregateRating may be published (None: never; news articles are not
    # eligible for Google's review snippets).  See engage.domain.structured_data.
    structured_data_type: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                            default=None)
    # Distinct readers' reports that send a published comment back to the moderation queue
    # (0: reports never withhold a comment on their own).
    report_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    # Moderation settings (DESIGN.md §7).  Close comments this many days after an article's
    # publication (None: never); hold comments with more links than this (None: no limit);
    # hold a new reader's comments until this many were approved (0: off).
    auto_close_days: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    link_limit: Mapped[int | None] = mapped_column(Integer, nullable=True, default=2,
                                                   server_default="2")
    first_n_hold: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped whenever the site's own word-list entries change (the compiled matcher's cache key).
    wordlist_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Embedding (issue #8): validated theme values (engage.domain.embedding.validate_theme),
    # the SHA-256 of the site's integration API key (None: no key yet), where comment events
    # are POSTed (None: no webhooks) and the generation of the derived webhook secret.
    theme: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    api_key_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True, default=None)
    webhook_key_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Moderator alerts (issue #11, engage.services.mod_alerts): a digest when the pending queue
    # holds this many comments (0: off) or its oldest has waited this many minutes (0: off);
    # ``alert_active`` is set when a digest fired and cleared when the queue drops below both
    # thresholds (only then may the next one fire); ``alert_seq`` numbers the digests;
    # ``summary_day`` is the local date (YYYY-MM-DD) of the last daily summary.
    alert_pending: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    alert_oldest_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    alert_active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    alert_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    alert_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    summary_day: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
