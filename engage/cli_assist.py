"""`engage assist …`: train a site's moderation assistant and measure a model (issue 10)."""
from __future__ import annotations

import gc
import json
import os
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from engage import assist
from engage.domain.errors import EngageError
from engage.domain.moderation.evaluation import detect_format
from engage.extensions import db
from engage.services.assist import site_history

assist_cli = AppGroup("assist", help="The local moderation assistant (needs engage[assist]).")
FORMATS = ("vihsd", "csv")


def _require_extra() -> None:
    if not assist.available():
        raise click.ClickException("the moderation assistant needs scikit-learn: "
                                   "pip install 'engage[assist]'")


def _read(path: Path, fmt: str | None):
    """Labelled rows of ``path`` (format from the header when not given)."""
    from engage.assist.training import read_labelled

    try:
        fmt = fmt or detect_format(path)
        if fmt not in FORMATS:
            raise ValueError(f"{path}: format {fmt!r} is not one of {', '.join(FORMATS)}")
        return read_labelled(path, fmt)
    except (ValueError, UnicodeDecodeError) as err:
        raise click.ClickException(str(err)) from None


@assist_cli.command("train")
@click.option("--site", "site_slug", required=True, help="Site slug whose decisions to learn.")
@click.option("--extra-data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A labelled file to learn from as well.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Layout of --extra-data (default: detected from the header).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Model file (default: the site's file in ASSIST_MODEL_DIR, used at once).")
def train_command(site_slug: str, extra_data: Path | None, fmt: str | None,
                  out: Path | None) -> None:
    """Train the site's model from its moderation history (plus --extra-data) and save it."""
    _require_extra()
    from engage.assist.training import TrainingRefused, train

    try:
        history = site_history(db.session, site_slug)
    except EngageError as err:
        raise click.ClickException(f"{err.code}: {site_slug}") from None
    extra = _read(extra_data, fmt) if extra_data else []
    sources = {f"site:{site_slug}": len(history)}
    if extra_data:
        sources[f"file:{extra_data.name}"] = len(extra)
    try:
        model, warnings = train(history + extra, datetime.now(timezone.utc), sources=sources)
    except TrainingRefused as err:
        raise click.ClickException(str(err)) from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    out = out or current_app.extensions["engage_assist"].model_path(site_slug)
    partial = out.with_name(out.name + ".partial")
    size = model.save(partial)
    os.replace(partial, out)  # workers never read a half-written model
    meta = model.meta
    click.echo(f"trained on {meta['fitted_rows']:,} comments "
               f"({', '.join(f'{k} {v:,}' for k, v in meta['counts'].items())}) "
               f"in {meta['fit_seconds']} s")
    figures = meta["validation"]
    click.echo(f"validation on {meta['validation_rows']:,} held-out comments (a model fitted on "
               f"the other {meta['validation_fitted_rows']:,}): macro-F1 {figures['macro_f1']}, "
               f"ROC-AUC {figures['auc']}, top-20% capture {figures['top20_capture']}")
    click.echo(f"wrote {out} ({size / 2**20:.1f} MB)")


@assist_cli.command("evaluate")
@click.option("--model", "model_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Model file.")
@click.option("--dataset", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled CSV file.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="File layout (default: detected from the header).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_command(model_path: Path, dataset: Path, fmt: str | None, as_json: bool) -> None:
    """Measure a model on a labelled file: macro-F1, ROC-AUC, top-20% capture, latency."""
    _require_extra()
    from engage.assist.model import load_model
    from engage.assist.training import evaluate

    rows = _read(dataset, fmt)
    gc.collect()
    tracemalloc.start()
    try:
        model = load_model(model_path)
        model_bytes = tracemalloc.get_traced_memory()[0]
    except (OSError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    finally:
        tracemalloc.stop()
    report = evaluate(model, rows)
    report["model_mb"] = round(model_bytes / 2**20, 1)
    report["file_mb"] = round(model_path.stat().st_size / 2**20, 2)
    report["trained_at"] = model.meta.get("trained_at")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"model {model_path} (trained {report['trained_at']}), dataset {dataset}: "
               f"{report['rows']:,} comments")
    for key, label in (("macro_f1", "macro-F1 over the labels"),
                       ("auc", "ROC-AUC, toxic vs clean"),
                       ("top20_capture", "toxic comments in the riskiest 20%"),
                       ("p50_ms", "scoring time per comment, median (ms)"),
                       ("p99_ms", "scoring time per comment, p99 (ms)"),
                       ("model_mb", "model memory (MB)"), ("file_mb", "model file (MB)")):
        click.echo(f"  {label:<40} {report[key]}")
