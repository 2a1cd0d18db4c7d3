"""Measure the text checks on a labelled file: per-label outcomes, precision, recall, timings.

Backs ``engage eval-moderation`` (issue 5, item 5). Reads three CSV layouts:

- ``vihsd``: columns ``free_text``, ``label_id`` (0 CLEAN, 1 OFFENSIVE, 2 HATE), as in ViHSD;
- ``vihos``: columns ``content``, ``index_spans`` (``[]`` is clean), as in ViHOS;
- ``csv``: columns ``text``, ``label``; labels ``0``, ``clean``, ``ok``, ``false``, ``no`` (any
  case) are clean, every other label is offensive.
"""
from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from engage.domain.moderation.checks import TEXT_CHECKS
from engage.domain.moderation.context import CommentContext, Decision
from engage.domain.moderation.matcher import WordMatcher
from engage.domain.moderation.pipeline import run_pipeline
from engage.domain.text.normalize import normalize_comment_text

FORMATS = ("vihsd", "vihos", "csv")
VIHSD_LABELS = {"0": "CLEAN", "1": "OFFENSIVE", "2": "HATE"}
CLEAN_LABELS = frozenset({"0", "clean", "ok", "false", "no"})
# The link limit the text checks are measured with (a site setting in production).
DEFAULT_LINK_LIMIT = 2
_HEADERS = {"vihsd": ("free_text", "label_id"), "vihos": ("content", "index_spans"),
            "csv": ("text", "label")}


@dataclass(frozen=True)
class LabelledComment:
    """One row of a labelled file: its text, its label as named in the file, and its class."""

    text: str
    label: str
    offensive: bool


def detect_format(path: Path) -> str:
    """Name the layout of ``path`` from its header row.

    :raises ValueError: the header matches none of :data:`FORMATS`.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = set(next(csv.reader(handle), []))
    for name, columns in _HEADERS.items():
        if set(columns) <= header:
            return name
    raise ValueError(f"{path}: unknown columns {sorted(header)}")


def read_dataset(path: Path, fmt: str) -> list[LabelledComment]:
    """Read a labelled CSV file in one of :data:`FORMATS`.

    :raises ValueError: a required column is missing.
    """
    text_col, label_col = _HEADERS[fmt]
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {text_col, label_col} <= set(reader.fieldnames or ()):
            raise ValueError(f"{path}: a {fmt} file needs columns {text_col!r}, {label_col!r}")
        for row in reader:
            text, raw = row[text_col] or "", (row[label_col] or "").strip()
            if fmt == "vihsd":
                label = VIHSD_LABELS.get(raw, raw)
                rows.append(LabelledComment(text, label, label != "CLEAN"))
            elif fmt == "vihos":
                offensive = raw not in ("", "[]")
                rows.append(LabelledComment(text, "offensive" if offensive else "clean",
                                            offensive))
            else:
                rows.append(LabelledComment(text, raw, raw.casefold() not in CLEAN_LABELS))
    return rows


def overlap_key(text: str) -> str:
    """The key under which a comment counts as "also in" another file (case, spacing ignored)."""
    return " ".join(normalize_comment_text(text).split()).casefold()


def read_texts(path: Path) -> set[str]:
    """Overlap keys of every comment in a file of any of :data:`FORMATS`."""
    return {overlap_key(r.text) for r in read_dataset(path, detect_format(path))}


def drop_overlap(rows: Sequence[LabelledComment],
                 excluded: set[str]) -> tuple[list[LabelledComment], int]:
    """Drop rows whose text is in ``excluded`` (overlap keys); return the rest and the count."""
    kept = [r for r in rows if overlap_key(r.text) not in excluded]
    return kept, len(rows) - len(kept)


@dataclass
class LabelCounts:
    """How the comments of one label fared."""

    total: int = 0
    rejected: int = 0
    held: int = 0
    accepted: int = 0

    def as_json(self) -> dict[str, int]:
        """``{"total", "rejected", "held", "accepted"}``."""
        return {"total": self.total, "rejected": self.rejected, "held": self.held,
                "accepted": self.accepted}


@dataclass
class EvalReport:
    """Outcome counts per label and per class, and the time each comment took."""

    labels: dict[str, LabelCounts] = field(default_factory=dict)
    clean: LabelCounts = field(default_factory=LabelCounts)
    offensive: LabelCounts = field(default_factory=LabelCounts)
    timings_ms: list[float] = field(default_factory=list)
    dropped: int = 0

    @property
    def metrics(self) -> dict[str, float]:
        """Precision and recall of reject, of hold, of hold-or-reject; clean held rate; times.

        ``clean_held_rate`` counts clean comments held *or* rejected (not published at once).
        A precision with nothing predicted is 0.0.
        """
        c, o = self.clean, self.offensive
        flagged_o, flagged_c = o.rejected + o.held, c.rejected + c.held
        return {
            "reject_precision": _ratio(o.rejected, o.rejected + c.rejected),
            "reject_recall": _ratio(o.rejected, o.total),
            "hold_precision": _ratio(o.held, o.held + c.held),
            "hold_recall": _ratio(o.held, o.total),
            "hold_or_reject_precision": _ratio(flagged_o, flagged_o + flagged_c),
            "hold_or_reject_recall": _ratio(flagged_o, o.total),
            "clean_held_rate": _ratio(flagged_c, c.total),
            "p50_ms": percentile(self.timings_ms, 50),
            "p99_ms": percentile(self.timings_ms, 99),
        }

    def as_json(self) -> dict:
        """The metrics, rounded, plus ``comments``, ``dropped`` and per-label ``labels`` counts."""
        data: dict = {k: round(v, 4) for k, v in self.metrics.items()}
        data.update(comments=self.clean.total + self.offensive.total, dropped=self.dropped,
                    labels={k: v.as_json() for k, v in sorted(self.labels.items())})
        return data


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def evaluate(rows: Iterable[LabelledComment], matcher: WordMatcher,
             link_limit: int | None = DEFAULT_LINK_LIMIT,
             clock: Callable[[], float] = time.perf_counter) -> EvalReport:
    """Run the text checks (:data:`.checks.TEXT_CHECKS`) over labelled comments.

    Each text is normalised as the comment service stores it; the time counted is the pipeline
    run alone, per comment.

    :param matcher: the compiled word lists to measure.
    :param link_limit: the site setting to measure with.
    """
    report = EvalReport()
    now = datetime.now(timezone.utc)
    for row in rows:
        ctx = CommentContext(text=normalize_comment_text(row.text), now=now,
                             premoderation=False, wordlists=matcher, link_limit=link_limit)
        started = clock()
        verdict = run_pipeline(ctx, TEXT_CHECKS)
        report.timings_ms.append((clock() - started) * 1000)
        outcome = ("accepted" if verdict.decision is Decision.ACCEPT
                   else "held" if verdict.decision is Decision.HOLD else "rejected")
        for counts in (report.labels.setdefault(row.label, LabelCounts()),
                       report.offensive if row.offensive else report.clean):
            counts.total += 1
            setattr(counts, outcome, getattr(counts, outcome) + 1)
    return report


def format_report(report: EvalReport) -> str:
    """The report as a plain-text table followed by the metrics."""
    lines = [f"{'label':<12}{'total':>8}{'rejected':>10}{'held':>8}{'accepted':>10}"]
    rows = [*sorted(report.labels.items()), ("(clean)", report.clean),
            ("(offensive)", report.offensive)]
    for name, c in rows:
        lines.append(f"{name:<12}{c.total:>8}{c.rejected:>10}{c.held:>8}{c.accepted:>10}")
    m = report.metrics
    lines += [
        "",
        f"reject          precision {m['reject_precision']:.3f}  recall {m['reject_recall']:.3f}",
        f"hold            precision {m['hold_precision']:.3f}  recall {m['hold_recall']:.3f}",
        f"hold or reject  precision {m['hold_or_reject_precision']:.3f}  "
        f"recall {m['hold_or_reject_recall']:.3f}",
        f"clean comments held or rejected: {m['clean_held_rate']:.1%}",
        f"time per comment: p50 {m['p50_ms']:.3f} ms, p99 {m['p99_ms']:.3f} ms",
    ]
    return "\n".join(lines)
