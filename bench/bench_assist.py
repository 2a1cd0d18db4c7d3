"""Benchmark the moderation assistant (issue 10): scoring latency, model memory and file size,
and the learning curve. Prints figures; asserts nothing. Needs ``pip install -e .[assist]``.

    .venv/bin/python bench/bench_assist.py --model PATH [--dataset FILE --format vihsd|csv]
    .venv/bin/python bench/bench_assist.py --train FILE --dataset FILE [--format vihsd]
    .venv/bin/python bench/bench_assist.py --learning-curve --train FILE --dataset FILE

Latency: one comment at a time through ``AssistModel.score`` (risk and top terms), as the
posting path calls it, after one warm-up pass over the texts (a worker that has seen these
words; the first pass is reported as "cold"). Memory: bytes allocated while loading the model
file (tracemalloc, which numpy and scipy report to), i.e. what each worker holds for it.
Without a dataset, texts are the model-independent synthetic syllable comments of
bench_moderation.py.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage.assist.model import fit_model, load_model  # noqa: E402
from engage.assist.training import (  # noqa: E402
    evaluate, nearest_rank, read_labelled, scoring_times_ms)


def latency(model, texts: list[str]) -> dict:
    """Cold pass, then a warm pass; milliseconds per comment."""
    figures = {}
    for name in ("cold", "warm"):
        samples = scoring_times_ms(model, texts)
        figures[name] = {"p50_ms": round(statistics.median(samples), 3),
                         "p99_ms": round(nearest_rank(samples, 0.99), 3),
                         "max_ms": round(samples[-1], 3)}
    return figures


def memory(path: Path) -> dict:
    """Bytes allocated by loading the model (kept) and the file size."""
    gc.collect()
    tracemalloc.start()
    model = load_model(path)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del model
    return {"model_mb": round(held / 2**20, 1), "load_peak_mb": round(peak / 2**20, 1),
            "file_mb": round(path.stat().st_size / 2**20, 2)}


def learning_curve(train_rows, dev_rows, sizes=(1000, 3000, 10000, None)) -> list[dict]:
    """Fit on the first N training rows (file order) and measure on ``dev_rows``."""
    out = []
    for size in sizes:
        rows = train_rows[:size] if size else train_rows
        started = time.perf_counter()
        model = fit_model([r.text for r in rows], [r.label for r in rows])
        seconds = time.perf_counter() - started
        report = evaluate(model, dev_rows, timing_rows=0)
        out.append({"rows": len(rows), "fit_s": round(seconds, 1),
                    **{k: report[k] for k in ("macro_f1", "auc", "top20_capture")}})
        print(json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="a model file (else --train one)")
    parser.add_argument("--train", type=Path, help="labelled file to fit a model on")
    parser.add_argument("--dataset", type=Path, help="labelled file to score and measure")
    parser.add_argument("--format", default="vihsd", choices=("vihsd", "csv"))
    parser.add_argument("--comments", type=int, default=2000, help="texts timed")
    parser.add_argument("--learning-curve", action="store_true")
    args = parser.parse_args()
    dev = read_labelled(args.dataset, args.format) if args.dataset else []
    if args.learning_curve:
        learning_curve(read_labelled(args.train, args.format), dev)
        return
    path = args.model
    if path is None:
        rows = read_labelled(args.train, args.format)
        model = fit_model([r.text for r in rows], [r.label for r in rows],
                          {"trained_at": datetime.now(timezone.utc).isoformat()})
        path = Path(tempfile.mkdtemp()) / "bench.joblib"
        model.save(path)
    figures = memory(path)
    model = load_model(path)
    if dev:
        texts = [r.text for r in dev][:args.comments]
        figures.update({k: v for k, v in evaluate(model, dev, timing_rows=0).items()
                        if k in ("macro_f1", "auc", "top20_capture", "rows")})
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import random

        from bench_moderation import syllable
        rng = random.Random(10)
        texts = [" ".join(syllable(rng) for _ in range(rng.randint(5, 60)))
                 for _ in range(args.comments)]
    figures["latency"] = latency(model, texts)
    figures["texts"] = len(texts)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
