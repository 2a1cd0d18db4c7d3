"""Train and measure the assistant: data checks, held-out validation, the evaluation figures.

Pure Python + scikit-learn (the ``assist`` extra); the site history comes from
:func:`engage.services.assist.site_history`, labelled files from :func:`read_labelled`.
"""
from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

from engage.assist.features import CLEAN, Example
from engage.assist.model import AssistModel, fit_model, top_share
from engage.domain.moderation.evaluation import read_dataset

# The floors (issue 10, "Build" 2): below MIN_DECISIONS decisions or MIN_REJECTIONS
# non-clean ones a linear model over tens of thousands of n-grams learns little but noise;
# below WARN_DECISIONS it works but is measurably weaker (the ViHSD learning curve in the README
# gains about 0.1 macro-F1 between 3,000 and 24,000 rows).
MIN_DECISIONS = 1_000
MIN_REJECTIONS = 150
WARN_DECISIONS = 10_000
VALIDATION_SHARE = 0.1
FORMATS = ("vihsd", "csv")


class TrainingRefused(ValueError):
    """Too little data to train on; the message says how much more is needed."""


def read_labelled(path: Path, fmt: str) -> list[Example]:
    """Read a labelled CSV file: ``vihsd`` (``free_text``, ``label_id`` 0/1/2 → clean,
    offensive, hate) or ``csv`` (``text``, ``label``; ``0``, ``clean``, ``ok``, ``false``,
    ``no`` are clean, any other label is kept, lowercased, as its own class).

    :raises ValueError: unknown format or missing columns.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return [Example(row.text, row.label.strip().lower() if row.offensive else CLEAN)
            for row in read_dataset(path, fmt) if row.text.strip()]


def check_amount(examples: Sequence[Example]) -> list[str]:
    """Refuse too little data; return warnings for little data.

    :returns: warning lines (empty when there is plenty).
    :raises TrainingRefused: fewer than :data:`MIN_DECISIONS` examples or fewer than
        :data:`MIN_REJECTIONS` non-clean ones, or no clean one; the message gives the counts
        and how many more of each are needed.
    """
    total = len(examples)
    rejections = sum(e.label != CLEAN for e in examples)
    problems = []
    if total < MIN_DECISIONS:
        problems.append(f"{total:,} decisions, need at least {MIN_DECISIONS:,} "
                        f"({MIN_DECISIONS - total:,} more)")
    if rejections < MIN_REJECTIONS:
        problems.append(f"{rejections:,} rejections, need at least {MIN_REJECTIONS:,} "
                        f"({MIN_REJECTIONS - rejections:,} more)")
    if total - rejections == 0:
        problems.append("no approved comments, need some to learn what is acceptable")
    if problems:
        raise TrainingRefused("not enough moderation history to train: " + "; ".join(problems)
                              + ". Add a labelled file with --extra-data, or wait for more "
                                "decisions.")
    if total < WARN_DECISIONS:
        return [f"only {total:,} decisions: the model will be weak; {WARN_DECISIONS:,} or more "
                f"({WARN_DECISIONS - total:,} more) are recommended."]
    return []


def train(examples: Sequence[Example], now: datetime, *, sources: dict[str, int] | None = None,
          validation_share: float = VALIDATION_SHARE, seed: int = 0, refit: bool = True
          ) -> tuple[AssistModel, list[str]]:
    """Check the amount, hold out a stratified validation share, fit on the rest, measure;
    then (``refit``) fit again on every row, so no decision is wasted.

    The stored ``validation`` figures are those of the first fit on rows it never saw; the
    refitted model has seen 10 % more data, so they slightly understate it (``meta`` says
    which: ``fitted_rows`` is the row count of the saved model).

    :param now: the training date stored with the model (aware UTC).
    :param sources: rows per origin (``{"site:news": 1200, "file:x.csv": 5000}``), stored.
    :returns: the model (``meta`` filled) and the warnings of :func:`check_amount`.
    :raises TrainingRefused: see :func:`check_amount`.
    """
    warnings = check_amount(examples)
    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    fit_x, val_x, fit_y, val_y = train_test_split(
        texts, labels, test_size=validation_share, random_state=seed, stratify=labels)
    started = time.perf_counter()
    model = fit_model(fit_x, fit_y)
    report = evaluate(model, [Example(t, y) for t, y in zip(val_x, val_y)], timing_rows=0)
    if refit:
        model = fit_model(texts, labels)
    seconds = time.perf_counter() - started
    model.meta = {
        "trained_at": now.isoformat(), "counts": dict(sorted(Counter(labels).items())),
        "fitted_rows": len(texts) if refit else len(fit_x), "validation_rows": len(val_x),
        "validation_fitted_rows": len(fit_x),
        "sources": dict(sources or {}), "fit_seconds": round(seconds, 1),
        "validation": {k: report[k] for k in ("macro_f1", "auc", "top20_capture")},
    }
    return model, warnings


def evaluate(model: AssistModel, examples: Sequence[Example], *, timing_rows: int = 1000
             ) -> dict:
    """The issue's figures for ``model`` on labelled rows (item 4).

    Labels the model does not know count as wrong predictions; macro-F1 averages over the
    labels present in the data and the predictions (a label never predicted scores 0).

    :param timing_rows: time :meth:`AssistModel.score` (with its top terms) one comment at a
        time on the first this many rows; 0 skips timing (``p50_ms``/``p99_ms`` are ``None``).
    :returns: ``rows``, ``macro_f1``, ``auc`` (toxic = not clean vs clean), ``top20_capture``
        (share of toxic rows among the riskiest 20 %), ``p50_ms``, ``p99_ms`` (milliseconds per
        comment), ``labels`` (rows per label).  ``auc``/``top20_capture`` are ``None`` when a
        side is missing.
    """
    texts = [e.text for e in examples]
    truth = [e.label for e in examples]
    probs = model.probabilities(texts)
    predicted = [model.labels[i] for i in probs.argmax(axis=1)]
    risks = 1.0 - probs[:, model.labels.index(CLEAN)]
    toxic = np.array([label != CLEAN for label in truth])
    both = 0 < toxic.sum() < len(toxic)
    timings = _timings(model, texts[:timing_rows])
    return {
        "rows": len(examples),
        "labels": dict(sorted(Counter(truth).items())),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
        "auc": round(float(roc_auc_score(toxic, risks)), 4) if both else None,
        "top20_capture": round(top_share(risks, toxic), 4) if both else None,
        "p50_ms": timings[0], "p99_ms": timings[1],
    }


def scoring_times_ms(model: AssistModel, texts: Sequence[str]) -> list[float]:
    """One ``model.score`` per text, timed: milliseconds per comment, ascending."""
    samples = []
    for text in texts:
        started = time.perf_counter()
        model.score(text)
        samples.append((time.perf_counter() - started) * 1000.0)
    return sorted(samples)


def nearest_rank(sorted_values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-quantile (0 < q ≤ 1) of an ascending, non-empty sequence."""
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def _timings(model: AssistModel, texts: Sequence[str]) -> tuple[float | None, float | None]:
    """Median and 99th percentile of one-comment scoring time, in milliseconds."""
    if not texts:
        return None, None
    model.score(texts[0])  # first call fills lazy caches
    samples = scoring_times_ms(model, texts)
    return round(statistics.median(samples), 3), round(nearest_rank(samples, 0.99), 3)
