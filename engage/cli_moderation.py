"""`engage eval-moderation`: measure the moderation text checks on a labelled file."""
from __future__ import annotations

import json
from pathlib import Path

import click

from engage.domain.moderation import evaluation
from engage.domain.moderation.wordlists import WORDLISTS_DIR, compile_wordlists, load_wordlists


def default_excludes(dataset: Path, fmt: str) -> list[Path]:
    """The data the shipped lists were built from, when it sits next to ``dataset``.

    The default lists use the ViHOS train split (config/wordlists/README.md), so a ViHSD file
    in ``…/vihsd/`` is measured without the comments also in ``…/vihos/train.csv``, and a
    ViHOS file without those of its own train split.
    """
    if fmt == "vihsd":
        candidate = dataset.parent.parent / "vihos" / "train.csv"
    elif fmt == "vihos":
        candidate = dataset.parent / "train.csv"
    else:
        return []
    return [candidate] if candidate.is_file() and candidate.resolve() != dataset.resolve() else []


@click.command("eval-moderation")
@click.option("--dataset", required=True, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Labelled CSV file.")
@click.option("--format", "fmt", type=click.Choice(evaluation.FORMATS), default=None,
              help="File layout (default: detected from the header).")
@click.option("--exclude", "excludes", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Drop comments that also occur in this file (repeat). Default: the ViHOS "
                   "train split next to a ViHSD or ViHOS dataset.")
@click.option("--no-exclude", is_flag=True, help="Keep every comment.")
@click.option("--wordlists", "lists_dir", default=WORDLISTS_DIR,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with banned.txt, suspect.txt, variants.txt (default: the shipped).")
@click.option("--link-limit", type=int, default=evaluation.DEFAULT_LINK_LIMIT, show_default=True,
              help="Hold comments with more links than this.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_moderation(dataset: Path, fmt: str | None, excludes: tuple[Path, ...],
                    no_exclude: bool, lists_dir: Path, link_limit: int, as_json: bool) -> None:
    """Measure the moderation text checks on a labelled file (no database)."""
    try:
        fmt = fmt or evaluation.detect_format(dataset)
        rows = evaluation.read_dataset(dataset, fmt)
        sources = [] if no_exclude else list(excludes) or default_excludes(dataset, fmt)
        excluded: set[str] = set()
        for source in sources:
            excluded |= evaluation.read_texts(source)
    except (ValueError, UnicodeDecodeError) as err:
        raise click.ClickException(str(err)) from None
    rows, dropped = evaluation.drop_overlap(rows, excluded)
    matcher = compile_wordlists(load_wordlists(lists_dir))
    report = evaluation.evaluate(rows, matcher, link_limit=link_limit)
    report.dropped = dropped
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"dataset {dataset} ({fmt}): {len(rows)} comments; word lists {lists_dir} "
               f"(version {matcher.version})")
    for source in sources:
        click.echo(f"dropped comments also in {source}")
    click.echo(f"dropped {dropped} comments in all\n")
    click.echo(evaluation.format_report(report))
