"""Import comments from another system into a site: records in, rows out, counts kept exact.

Records come from the parsers in ``engage.domain.interop`` (Disqus, WordPress WXR, Engage
JSON), in file order.  Every comment goes through the same normalising and rendering as one
typed into the widget (``engage.domain.comments.prepare_text``); an imported comment keeps its
source id in ``comment.import_key`` (unique per site), so importing a file twice creates
nothing new.  Work is committed in batches of :data:`BATCH` records, each one transaction with
its article counters; a failure stops the run after the last whole batch, and a rerun resumes.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from collections import OrderedDict

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from engage.domain.comments import CommentLimits, prepare_text
from engage.domain.errors import EngageError, InvalidInput
from engage.domain.interop.records import ArticleRecord, CommentRecord, SkippedRecord, VotesRecord
from engage.domain.text.normalize import char_length, normalize_author_name
from engage.models import Article, Comment, CommentStatus, Rating
from engage.services.sites import get_site
from engage.services.tx import write_transaction

BATCH = 500
# Recently imported comments remembered for their replies (most replies follow their parent
# closely in an export); older parents are looked up by their import key (indexed).
RECENT = 10_000
_C = Comment.__table__
# Prebuilt statements: compiled once per process, not once per comment.
_FIND = select(_C.c.id, _C.c.parent_id).where(_C.c.site_id == bindparam("site_id"),
                                              _C.c.import_key == bindparam("import_key"))
_INSERT = insert(_C).returning(_C.c.id)
# Shown for an imported comment whose source had no author name.
ANONYMOUS = "Độc giả"
STATUSES = {s.value: s for s in CommentStatus}


@dataclass
class ImportSummary:
    """What an import did: ``created`` comments (and ``articles``, ``votes``), ``skipped`` by
    reason (``already_imported``, ``pingback``…), ``failed`` as ``(source key, reason)``."""

    created: int = 0
    articles: int = 0
    votes: int = 0
    skipped: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)


class Importer:
    """One import run into one site.

    :param limits: the site's comment limits (``COMMENT_*`` settings); an imported comment
        outside them fails with the same code a reader would get (``text_too_long``…).
    :raises NotFound: ``site_not_found`` (when created).
    """

    def __init__(self, session: Session, site_slug: str, now: datetime,
                 limits: CommentLimits) -> None:
        self.session, self.now, self.limits = session, now, limits
        self.site = get_site(session, site_slug)
        self.site_id = self.site.id
        self.summary = ImportSummary()
        self.articles: dict[str, int | str] = {}  # source id → article id, or why it failed
        self.deferred: list[CommentRecord] = []  # replies read before their parent
        self.published: Counter = Counter()  # article id → comments published this batch
        self.recent: OrderedDict[str, tuple[int, int | None]] = OrderedDict()

    def run(self, records: Iterable) -> ImportSummary:
        """Import every record; replies whose parent came later are placed at the end."""
        stream = iter(records)
        while self._batch(stream):
            pass
        deferred, self.deferred = self.deferred, []
        self._batch(iter(deferred), final=True)
        return self.summary

    def _batch(self, stream, final: bool = False) -> bool:
        """Import up to :data:`BATCH` records in one transaction; ``False`` once exhausted."""
        count = 0
        with write_transaction(self.session):
            for record in stream:
                self._one(record, final)
                count += 1
                if count >= BATCH and not final:
                    break
            for article_id, n in self.published.items():
                self.session.execute(update(Article).where(Article.id == article_id).values(
                    comment_count=Article.comment_count + n, version=Article.version + 1))
            self.published.clear()
        return count >= BATCH and not final

    def _one(self, record, final: bool) -> None:
        if isinstance(record, ArticleRecord):
            self._article(record)
        elif isinstance(record, VotesRecord):
            self._votes(record)
        elif isinstance(record, SkippedRecord):
            self.summary.skipped[record.reason] += 1
        else:
            self._comment(record, final)

    def _article(self, record: ArticleRecord) -> None:
        if record.key is None:
            self.articles[record.source_id] = record.problem or "article_key_invalid"
            return
        found = self.session.execute(select(Article.id).where(
            Article.site_id == self.site_id, Article.key == record.key)).scalar_one_or_none()
        if found is None:
            article = Article(site_id=self.site_id, key=record.key, title=record.title[:300],
                              url=record.url[:2000], comments_open=record.comments_open,
                              created_at=record.created_at or self.now)
            self.session.add(article)
            self.session.flush()
            found = article.id
            self.summary.articles += 1
        self.articles[record.source_id] = found

    def _votes(self, record: VotesRecord) -> None:
        """Anonymous votes of an Engage export, under stable per-vote import reader ids."""
        article_id = self.articles.get(record.article_source_id)
        if not isinstance(article_id, int) or not record.votes:
            return
        have = set(self.session.execute(select(Rating.reader_id).where(
            Rating.article_id == article_id, Rating.reader_id.like("imp%"))).scalars())
        bins: Counter = Counter()
        for index, (stars, at) in enumerate(record.votes):
            reader = "imp" + hashlib.sha256(
                f"{self.site_id}:{record.article_source_id}:{index}".encode()).hexdigest()[:29]
            if reader in have or not 1 <= stars <= 5:
                continue
            self.session.execute(insert(Rating).values(
                article_id=article_id, reader_id=reader, stars=stars, network_hash="",
                created_at=at or self.now, updated_at=at or self.now))
            bins[stars] += 1
        if bins:
            self.session.execute(update(Article).where(Article.id == article_id).values(
                **{f"rating_{s}": getattr(Article, f"rating_{s}") + n for s, n in bins.items()},
                rating_count=Article.rating_count + sum(bins.values()),
                rating_sum=Article.rating_sum + sum(s * n for s, n in bins.items()),
                version=Article.version + 1))
            self.summary.votes += sum(bins.values())

    def _comment(self, record: CommentRecord, final: bool) -> None:
        article_id = self.articles.get(record.article_source_id)
        if not isinstance(article_id, int):
            self.summary.failed.append((record.import_key, article_id or "article_unknown"))
            return
        if self._find(record.import_key) is not None:
            self.summary.skipped["already_imported"] += 1
            return
        parent_id = None
        if record.parent_key:
            parent = self._find(record.parent_key)
            if parent is None and not final:
                self.deferred.append(record)
                return
            # Two levels (DESIGN.md §6): a reply to a reply hangs under the top-level comment;
            # a reply whose parent is not in the file becomes a top-level comment.
            parent_id = None if parent is None else (parent[1] or parent[0])
        status = STATUSES.get(record.status)
        if status is None:
            self.summary.failed.append((record.import_key, "status_unknown"))
            return
        try:
            name, text, html, version = self._prepare(record, status)
        except EngageError as err:
            self.summary.failed.append((record.import_key, err.code))
            return
        comment_id = self.session.connection().execute(_INSERT, {
            "site_id": self.site_id, "article_id": article_id, "parent_id": parent_id,
            "reader_id": "", "author_name": name, "body_raw": text, "body_html": html,
            "sanitizer_version": version, "status": status, "moderation_reasons": [],
            "network_hash": "", "created_at": record.created_at,
            "updated_at": record.created_at, "like_count": 0, "report_count": 0,
            "published_at": record.created_at if status is CommentStatus.APPROVED else None,
            "import_key": record.import_key}).scalar_one()
        self._remember(record.import_key, (comment_id, parent_id))
        if status is CommentStatus.APPROVED:
            self.published[article_id] += 1
        self.summary.created += 1

    def _prepare(self, record: CommentRecord, status: CommentStatus):
        """Name, text, HTML and sanitizer version.  A deleted comment keeps what the source
        kept (moderators still see it), or nothing when that is empty or out of bounds: it is
        only ever shown as a placeholder.

        :raises InvalidInput: the text rules; ``author_name_too_long``.
        """
        if status is CommentStatus.DELETED:
            try:
                self._check_name(record)
                kept = prepare_text(record.text, self.limits)
            except InvalidInput:
                return "", "", "", 0
            return self._check_name(record), kept.text, kept.html, kept.sanitizer_version
        prepared = prepare_text(record.text, self.limits)
        name = self._check_name(record)
        return name, prepared.text, prepared.html, prepared.sanitizer_version

    def _check_name(self, record: CommentRecord) -> str:
        """The normalised author name (:data:`ANONYMOUS` when empty).

        :raises InvalidInput: ``author_name_too_long``.
        """
        name = normalize_author_name(record.author_name) or ANONYMOUS
        if char_length(name) > self.limits.name_max_chars:
            raise InvalidInput("author_name_too_long", field="author_name")
        return name

    def _remember(self, import_key: str, row: tuple[int, int | None]) -> None:
        self.recent[import_key] = row
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)

    def _find(self, import_key: str) -> tuple[int, int | None] | None:
        """``(id, parent id)`` of the comment imported under ``import_key`` on this site."""
        if import_key in self.recent:
            return self.recent[import_key]
        row = self.session.connection().execute(
            _FIND, {"site_id": self.site_id, "import_key": import_key}).first()
        return None if row is None else (row[0], row[1])
