"""How much of a comment POST is Engage's service and how much is the HTTP stack around it:
the floor, Engage, and Engage with the service call stubbed, in one process, CPU per request.

Issues #4 and #7 ask for comment POST at 0.25x the floor's ``POST /echo``.  Under wrk on this
2-CPU machine both servers are CPU-bound, so the ratio is close to the ratio of their CPU per
request.  This splits Engage's time without a server or a load generator (gunicorn's own share,
the same for both, is left out; ``bench/ab.py`` reports it with the server):

- ``floor``: ``bench/floor_app.py``'s ``POST /echo`` (Flask: parse JSON, answer JSON);
- ``engage``: ``POST /api/v1/sites/bench/articles/<a>/comments`` as ``bench/run.py`` sends it
  (a new top-level comment, unique text, a seeded reader token) on a seeded SQLite database;
- ``stack``: the same request with :func:`engage.services.comments.submit_comment` replaced by
  a stub that returns a published comment: what is left is Flask, Flask-Limiter, the request
  hooks, body validation, the reader token and the JSON answer.

``engage - stack`` is then the service (site/article read, moderation pipeline, the write).
Rounds alternate the three, ``--requests`` calls each; medians of CPU milliseconds per request
(``time.process_time``: every thread of the process, so the WAL checkpoint thread counts).

Usage:  .venv/bin/python bench/stack_share.py [--rounds 5] [--requests 1000]
"""
from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import BIN, HERE, engage_env


def worker(args) -> None:
    """Build both apps in this process (the environment names the seeded database) and print
    ``{"floor": [...], "engage": [...], "stack": [...]}``: CPU ms per request, per round."""
    from floor_app import app as floor

    from engage import create_app
    from engage.models import CommentStatus
    from engage.services import comments

    app = create_app()
    tokens = Path(args.tokens).read_text(encoding="ascii").split()
    counter = itertools.count()
    run = f"{os.getpid()}-{time.time()}"

    def call(wsgi, path: str, body: bytes, token: str | None = None) -> None:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False}
        if token:
            environ["HTTP_X_ENGAGE_READER"] = token
        status: list[str] = []
        out = wsgi(environ, lambda s, h, e=None: status.append(s))
        b"".join(out)
        getattr(out, "close", lambda: None)()
        if not status[0].startswith(("200", "201")):
            sys.exit(f"{path} answered {status[0]}")

    def floor_request() -> None:
        call(floor, "/echo", b'{"stars": 4}')

    def engage_request() -> None:
        i = next(counter)
        body = json.dumps({"author_name": f"Độc giả {i % 7}",
                           "text": f"Bình luận số {run}-{i}: bài viết rất hay, cảm ơn tác giả "
                                   "đã đưa tin kịp thời và đầy đủ về sự kiện này."},
                          ensure_ascii=False).encode()
        call(app, f"/api/v1/sites/bench/articles/a-{i % 50 + 1}/comments", body,
             tokens[(i * 7919) % len(tokens)])

    submit = comments.submit_comment
    published = comments.SubmitResult(1, CommentStatus.APPROVED)

    def stack_request() -> None:
        comments.submit_comment = lambda *a, **k: published
        try:
            engage_request()
        finally:
            comments.submit_comment = submit

    def cpu_ms(request, n: int) -> float:
        start = time.process_time()
        for _ in range(n):
            request()
        return (time.process_time() - start) * 1000 / n

    sides = {"floor": floor_request, "engage": engage_request, "stack": stack_request}
    for request in sides.values():  # warm up: imports, compiled statements, the pool
        cpu_ms(request, 100)
    results: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, request in sides.items():
            results[name].append(cpu_ms(request, args.requests))
    print(json.dumps(results))


def main() -> None:
    """Seed a small SQLite database, run :func:`worker` in a child with its environment and
    print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000, help="calls per side and round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    with tempfile.TemporaryDirectory(prefix="engage-stack-") as tmp_name:
        tmp = Path(tmp_name)
        env = engage_env(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp)
        tokens = tmp / "tokens.txt"
        subprocess.run([str(BIN / "engage"), "init-db"], env=env, check=True,
                       capture_output=True)
        subprocess.run([str(BIN / "python"), str(HERE / "seed.py"), "--tokens", str(tokens),
                        "--articles", "60", "--comments", "600", "--votes", "2000"],
                       env=env, check=True, capture_output=True)
        out = subprocess.run(
            [str(BIN / "python"), __file__, "--worker", "--tokens", str(tokens),
             "--rounds", str(args.rounds), "--requests", str(args.requests)],
            env=env, cwd=HERE, check=True, capture_output=True, text=True).stdout
    med = {name: statistics.median(values) for name, values in json.loads(out).items()}
    print(f"\nCPU ms per request, median of {args.rounds} rounds x {args.requests} "
          "(one process, no server)\n")
    print("| side | CPU ms | ÷ floor |\n|---|---:|---:|")
    for name in ("floor", "stack", "engage"):
        print(f"| {name} | {med[name]:.3f} | {med[name] / med['floor']:.2f} |")
    print(f"\nservice (engage - stack): {med['engage'] - med['stack']:.3f} ms; "
          f"stack above the floor (stack - floor): {med['stack'] - med['floor']:.3f} ms")


if __name__ == "__main__":
    main()
