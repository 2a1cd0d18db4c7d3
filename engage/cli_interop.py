"""`engage purge`, `engage export` and `engage import …`: data rights and moving data in and out."""
from __future__ import annotations

import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.domain.errors import EngageError
from engage.domain.interop.disqus import parse_disqus
from engage.domain.interop.native import NotAnExport, parse_native
from engage.domain.interop.wordpress import parse_wordpress
from engage.domain.interop.xml_stream import XmlRefused
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import export, retention, sites
from engage.services.importer import Importer

PARSERS = {"disqus": parse_disqus, "wordpress": parse_wordpress, "engage": parse_native}


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Forget old IP network hashes, long-pending comments and old mail addresses (cron-safe)."""
    cfg = current_app.config
    result = retention.purge(db.session, utcnow(), cfg["RETENTION_IP_HASH_DAYS"],
                             cfg["RETENTION_PENDING_DAYS"], cfg["RETENTION_MAIL_DAYS"])
    click.echo(f"network hashes blanked: {result.ip_hashes} "
               f"(older than {cfg['RETENTION_IP_HASH_DAYS']} days)")
    click.echo(f"pending comments deleted: {result.pending_comments} "
               f"(pending longer than {cfg['RETENTION_PENDING_DAYS']} days)")
    click.echo(f"mail rows deleted: {result.mail_rows} "
               f"(older than {cfg['RETENTION_MAIL_DAYS']} days)")


def _limits():
    from engage.domain.comments import CommentLimits

    cfg = current_app.config
    return CommentLimits(cfg["COMMENT_MIN_CHARS"], cfg["COMMENT_MAX_CHARS"],
                         cfg["AUTHOR_NAME_MAX_CHARS"])


class _CountingReader:
    """A binary file whose reads advance a progress bar by the bytes read."""

    def __init__(self, raw, advance) -> None:
        self.raw, self.advance = raw, advance

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.advance(len(data))
        return data


def _echo_summary(summary) -> None:
    click.echo(f"created: {summary.created} comments, {summary.articles} articles, "
               f"{summary.votes} votes")
    skipped = sum(summary.skipped.values())
    click.echo(f"skipped: {skipped}" + (" (" + ", ".join(
        f"{reason}: {n}" for reason, n in sorted(summary.skipped.items())) + ")"
        if skipped else ""))
    click.echo(f"failed: {len(summary.failed)}")
    by_reason = Counter(reason for _key, reason in summary.failed)
    for reason, n in sorted(by_reason.items()):
        keys = [key for key, r in summary.failed if r == reason][:5]
        click.echo(f"  {reason}: {n} (e.g. {', '.join(keys)})")


def _import(kind: str, path: Path, site: str) -> None:
    parser = PARSERS[kind]
    with path.open("rb") as raw, click.progressbar(
            length=path.stat().st_size, label=f"{kind}: {path.name}", file=sys.stderr) as bar:
        try:
            importer = Importer(db.session, site, utcnow(), _limits())
            summary = importer.run(parser(_CountingReader(raw, bar.update)))
        except (XmlRefused, NotAnExport) as err:
            raise click.ClickException(f"{path.name}: {err}") from None
        except EngageError as err:
            raise click.ClickException(f"{err.code} {err.params or ''}".strip()) from None
    _echo_summary(summary)


@click.group("import")
def import_group() -> None:
    """Import comments from Disqus, WordPress or another Engage (idempotent)."""


def _import_command(kind: str, help_text: str):
    @import_group.command(kind, help=help_text)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--site", required=True, help="Slug of the site to import into.")
    @with_appcontext
    def command(file: Path, site: str) -> None:
        _import(kind, file, site)

    return command


_import_command("disqus", "Import a Disqus XML export (threads → articles, posts → comments).")
_import_command("wordpress", "Import a WordPress WXR export (posts → articles, comments).")
_import_command("engage", "Import an Engage JSON export (engage export) into this site.")


@click.command("export")
@click.option("--site", required=True, help="Slug of the site to export.")
@click.option("--article", default=None, help="Only this article key.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("--include-private", is_flag=True,
              help="Also reader ids and hashed IP networks (personal data: handle with care).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@with_appcontext
def export_command(site: str, article: str | None, fmt: str, include_private: bool,
                   output: Path | None) -> None:
    """Export articles, comments (status, parents), ratings and moderation history as JSON."""
    try:
        site_row = sites.get_site(db.session, site)
        head = export.header(site_row, utcnow(), include_private)
        articles = export.export_articles(db.session, site_row, article, include_private)
        first = next(articles, None)
    except EngageError as err:
        raise click.ClickException(f"{err.code} {err.params or ''}".strip()) from None
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "articles": [\n')
        for index, item in enumerate(itertools.chain([first] if first else [], articles)):
            out.write((",\n" if index else "") + json.dumps(item, ensure_ascii=False))
        out.write("\n]}\n")
    finally:
        if output:
            out.close()
