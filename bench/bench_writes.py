"""Time Engage's write paths on SQLite in-process, several writer processes at once, and compare
WAL checkpoints behind Engage's writer lock (SQLite's automatic ones) with Engage's own.

Each worker process builds the app and calls it as a WSGI application (no HTTP server, no
load generator: what is left is Engage's own time and its wait for the writer lock), posting
comments or votes with the seed's reader tokens.  Both checkpoint modes run on a fresh copy of
one seeded database, alternating, in one run:

- ``sqlite-automatic``: SQLite's automatic checkpoint (``wal_autocheckpoint=1000``), which
  runs inside the commit that fills the WAL, i.e. while the writer lock is held;
- ``engage``: Engage's checkpoints (``engage.services.tx``): every 100th write transaction,
  after the writer lock is released, on the process's checkpoint thread.

Usage: .venv/bin/python bench/bench_writes.py [--kind comment|rating] [--processes 2]
           [--requests 1500] [--rounds 2]
Prints, per mode and round: requests per second over all processes, request p50/p99/max and
writer-lock hold p99/max in milliseconds.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from run import BIN, HERE, engage_env

MODES = ("sqlite-automatic", "engage")


def worker(args) -> None:
    """One writer process: ``--requests`` writes once the clock reaches ``--start``; prints
    ``{"times": [...], "holds": [...], "statuses": {...}}`` (seconds) as JSON."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    import engage.services.tx as tx
    from engage import create_app
    from engage.extensions import db

    holds: list[float] = []
    writer_lock = tx._sqlite_writer_lock

    @contextmanager
    def timed_lock(database):
        with writer_lock(database):
            start = time.perf_counter()
            try:
                yield
            finally:
                holds.append(time.perf_counter() - start)

    tx._sqlite_writer_lock = timed_lock
    app = create_app()
    if args.mode == "sqlite-automatic":
        tx.CHECKPOINT_EVERY = 10**12

        @event.listens_for(Engine, "connect")  # after Engage's own listener (create_app)
        def _automatic(dbapi_connection, _record):
            if type(dbapi_connection).__module__.startswith("sqlite3"):
                dbapi_connection.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default

        with app.app_context():
            db.engine.dispose()  # connections made so far had Engage's setting
    tokens = Path(args.tokens).read_text(encoding="ascii").split()
    run = f"{os.getpid()}-{time.time()}"
    statuses: dict[str, int] = {}

    def call(i: int) -> None:
        article = f"a-{i % 50 + 1}"
        if args.kind == "rating":
            method, path = "PUT", f"/api/v1/sites/bench/articles/{article}/rating"
            body = json.dumps({"stars": i % 5 + 1}).encode()
        else:
            method, path = "POST", f"/api/v1/sites/bench/articles/{article}/comments"
            body = json.dumps({"author_name": f"Độc giả {i % 7}",
                               "text": f"Bình luận số {run}-{i}: bài viết rất hay, cảm ơn tác "
                                       "giả đã đưa tin kịp thời và đầy đủ về sự kiện này."},
                              ensure_ascii=False).encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "HTTP_X_ENGAGE_READER": tokens[(i * 7919 + os.getpid()) % len(tokens)]}
        status: list[str] = []
        out = app(environ, lambda s, h, e=None: status.append(s))
        b"".join(out)
        getattr(out, "close", lambda: None)()
        statuses[status[0]] = statuses.get(status[0], 0) + 1

    for i in range(30):  # warm up: imports, compiled statements, the pool
        call(i)
    holds.clear()
    statuses.clear()
    while time.time() < args.start:
        time.sleep(0.001)
    times = []
    for i in range(30, 30 + args.requests):
        start = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times, "holds": holds, "statuses": statuses,
                      "wall": sum(times)}))


def _quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def measure(args, mode: str, seeded: Path, tmp: Path) -> dict:
    """Run ``--processes`` workers at once on a fresh copy of the seeded database."""
    database = tmp / f"{mode}.sqlite3"
    for old in tmp.glob(f"{mode}.sqlite3*"):
        old.unlink()
    shutil.copyfile(seeded, database)
    env = {**args.env, "ENGAGE_DATABASE_URL": f"sqlite:///{database}"}
    start = time.time() + 8  # every worker has built its app and warmed up by then
    procs = [subprocess.Popen(
        [str(BIN / "python"), __file__, "--worker", "--mode", mode, "--kind", args.kind,
         "--requests", str(args.requests), "--tokens", str(args.tokens_file),
         "--start", str(start)], env=env, stdout=subprocess.PIPE, cwd=HERE)
        for _ in range(args.processes)]
    results = [json.loads(proc.communicate()[0]) for proc in procs]
    if any(proc.returncode for proc in procs):
        sys.exit(f"a worker failed ({mode})")
    times = [t for r in results for t in r["times"]]
    holds = [h for r in results for h in r["holds"]]
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    slowest = max(r["wall"] for r in results)
    return {"rps": len(times) / slowest, "p50": _quantile(times, 50),
            "p99": _quantile(times, 99), "max": max(times) * 1000,
            "hold99": _quantile(holds, 99), "holdmax": max(holds) * 1000,
            "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("comment", "rating"), default="comment")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1500, help="per process")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    tmp = Path(tempfile.mkdtemp(prefix="engage-bench-writes-"))
    try:
        seeded = tmp / "seeded.sqlite3"
        args.env = engage_env(f"sqlite:///{seeded}", tmp)
        args.tokens_file = tmp / "tokens.txt"
        subprocess.run([str(BIN / "engage"), "init-db"], env=args.env, check=True,
                       capture_output=True)
        subprocess.run([str(BIN / "python"), str(HERE / "seed.py"), "--tokens",
                        str(args.tokens_file), "--articles", "200", "--comments", "5000",
                        "--votes", "20000"], env=args.env, check=True, capture_output=True)
        print(f"{args.kind} writes on SQLite, {args.processes} processes x {args.requests} "
              f"requests, in-process WSGI calls, {os.cpu_count()} CPUs, all in one run\n")
        print("| round | checkpoints | req/s (all processes) | p50 ms | p99 ms | max ms "
              "| lock held p99 ms | lock held max ms | answers |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
        for round_no in range(1, args.rounds + 1):
            for mode in MODES:
                r = measure(args, mode, seeded, tmp)
                print(f"| {round_no} | {mode} | {r['rps']:.0f} | {r['p50']:.2f} | "
                      f"{r['p99']:.2f} | {r['max']:.1f} | {r['hold99']:.2f} | "
                      f"{r['holdmax']:.1f} | {r['statuses']} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
