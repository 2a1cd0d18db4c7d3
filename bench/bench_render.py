"""Time normalising + rendering a comment at the size limit (target: < 5 ms each).

Usage: .venv/bin/python bench/bench_render.py [--chars 3000] [--runs 300]
Prints median, p99 and max in milliseconds for a few kinds of worst-case text.
"""
from __future__ import annotations

import argparse
import statistics
import time

from engage.domain.comments import CommentLimits, prepare_comment

SAMPLES = {
    "vietnamese prose": "Mùa nước nổi năm nay về sớm, người dân Đồng Tháp tất bật mưu sinh. ",
    "links every sentence": "Xem https://vi.wikipedia.org/wiki/Đồng_Tháp (nguồn) và http://a.vn/x?y=1. ",
    "distinct links": None,  # every URL different (each is gated on its own): the worst case
    "pasted html": "<script>alert(1)</script><b onmouseover=alert(2)>đậm</b> &amp; ",
    "one long line": "ă" * 50,
    "many paragraphs": "Dòng một.\n\nDòng hai\nDòng ba\n\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    limits = CommentLimits(max_chars=args.chars)
    print(f"| text ({args.chars} chars) | median ms | p99 ms | max ms |\n|---|---:|---:|---:|")
    for name, unit in SAMPLES.items():
        if unit is None:
            text = "".join(f"Xem https://baodongthap.vn/tin-{n}.html nhé. " for n in range(400))
            text = text[:args.chars]
        else:
            text = (unit * (args.chars // len(unit) + 1))[:args.chars]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            prepare_comment("Độc giả", text, limits)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"| {name} | {statistics.median(times):.2f} | {p99:.2f} | {times[-1]:.2f} |")


if __name__ == "__main__":
    main()
