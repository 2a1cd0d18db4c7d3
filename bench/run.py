"""Benchmark Engage against the bare-Flask floor, in one run, under the same gunicorn settings.

Starts the floor (bench/floor_app.py) and Engage with gunicorn (same worker class and count),
seeds Engage (bench/seed.py), runs wrk with a bounded duration on each hot path, and prints one
table: req/s, p50, p99 and the ratio to the floor measured in this same run, right before and
right after each path (the mean of the two; GET paths against the floor's GET /json, writes
against its POST /echo), for SQLite and PostgreSQL.

Usage:  .venv/bin/python bench/run.py [--backends sqlite,postgresql] [--duration 10]
        [--connections 16] [--workers 2] [--small] [--shipped [--redis-url URL]]

Two gunicorn settings, always the same for the floor and Engage:
- default: ``sync`` workers, ``--workers`` of them (2), no keep-alive (the issue's first table);
- ``--shipped``: the settings ``config/gunicorn.conf.py`` ships for production — ``gthread``,
  2 × CPUs + 1 workers, 4 threads each, keep-alive — and, on PostgreSQL, the production
  topology's Redis limiter storage (``--redis-url``), since several workers need shared limits.
Needs wrk (Debian package) and, for PostgreSQL, a server at --pg-url (trust auth).
All traffic goes to 127.0.0.1; every server started here is stopped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
TARGETS = {  # ratio to the floor the issues ask for
    "article GET (20 comments)": 0.6, "article GET, If-None-Match (304)": 0.8,
    "counts, 50 articles": 0.5, "rating PUT": 0.3, "comment POST": 0.25,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def server_settings(args) -> list[str]:
    """The gunicorn worker options used for both the floor and Engage in this run."""
    if getattr(args, "shipped", False):  # config/gunicorn.conf.py's defaults, access log off
        return ["-k", "gthread", "-w", str(2 * (os.cpu_count() or 1) + 1), "--threads", "4",
                "--keep-alive", "5"]
    return ["-k", "sync", "-w", str(args.workers)]


def gunicorn(app: str, port: int, args, env: dict, log: Path) -> subprocess.Popen:
    """Start gunicorn on 127.0.0.1:``port`` with :func:`server_settings` for ``args``."""
    cmd = [str(BIN / "gunicorn"), *server_settings(args), "-b", f"127.0.0.1:{port}",
           "--chdir", str(HERE), "--log-level", "warning", app]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def workers(master: subprocess.Popen) -> list[tuple[Path, str]]:
    """The gunicorn master's worker processes: ``(/proc/<pid>, its status text)`` each."""
    found = []
    for child in Path("/proc").glob("[0-9]*"):
        try:
            status = (child / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master.pid}$", status, re.M):
            found.append((child, status))
    return found


def worker_rss_mb(master: subprocess.Popen) -> float:
    """Largest resident set size among the gunicorn master's workers, in MB."""
    return max((int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1)) / 1024
                for _, status in workers(master)), default=0.0)


def wrk(url: str, args, *extra: str, env: dict | None = None) -> dict:
    cmd = ["timeout", str(args.duration + 30), "wrk", "-t2", f"-c{args.connections}",
           f"-d{args.duration}s", "--timeout", "5s", "--latency", *extra, url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * unit[m.group(2)] if m else float("nan")

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": pct(50), "p99": pct(99), "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "sockerr": errors.group(1).strip() if errors else ""}


def engage_env(db_url: str, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update({
        "ENGAGE_DATABASE_URL": db_url, "ENGAGE_SECRET_KEY": secrets.token_hex(32),
        "ENGAGE_LIMIT_COMMENT_POSTS": "10000000/minute", "ENGAGE_LIMIT_RATING_WRITES": "10000000/minute",
        "ENGAGE_LIMIT_READER_TOKENS": "10000000/minute", "ENGAGE_RATING_NETWORK_DAILY_CAP": "0",
        "ENGAGE_DB_POOL_SIZE": "4",
    })
    return env


def _flush_redis(url: str) -> None:
    """Empty the bench's Redis database (its limit counters from an earlier run)."""
    import redis
    redis.Redis.from_url(url).flushdb()


def fresh_pg(url: str, name: str) -> str:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def measure_engage(backend: str, args, tmp: Path, rows: list, floor: dict) -> None:
    db_url = (f"sqlite:///{tmp / 'bench.sqlite3'}" if backend == "sqlite"
              else fresh_pg(args.pg_url, "engage_bench"))
    env = engage_env(db_url, tmp)
    if args.shipped and backend == "postgresql":
        env["ENGAGE_RATELIMIT_STORAGE_URI"] = args.redis_url
        _flush_redis(args.redis_url)
    subprocess.run([str(BIN / "engage"), "init-db"], env=env, check=True, capture_output=True)
    tokens = tmp / f"tokens-{backend}.txt"
    sizes = ["--articles", "200", "--comments", "5000", "--votes", "20000"] if args.small else []
    subprocess.run([str(BIN / "python"), str(HERE / "seed.py"), "--tokens", str(tokens), *sizes],
                   env=env, check=True)
    port = free_port()
    server = gunicorn("engage:create_app()", port, args, env, tmp / f"engage-{backend}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz")
        article = base + "/api/v1/sites/bench/articles/a-1"
        etag = urllib.request.urlopen(article).headers["ETag"]
        counts = base + "/api/v1/sites/bench/counts?articles=" + ",".join(
            f"a-{i}" for i in range(1, 51))
        lua = str(HERE / "lua" / "engage.lua")
        lua_env = {**os.environ, "TOKENS_FILE": str(tokens), "SITE": "bench", "ARTICLES": "50"}
        runs = [
            ("article GET (20 comments)", "get", article, ()),
            ("article GET, If-None-Match (304)", "get", article, ("-H", f"If-None-Match: {etag}")),
            ("counts, 50 articles", "get", counts, ()),
            ("rating PUT", "post", base + "/", ("-s", lua), {**lua_env, "MODE": "rating"}),
            ("comment POST", "post", base + "/", ("-s", lua), {**lua_env, "MODE": "comment"}),
        ]
        for name, kind, url, extra, *run_env in runs:
            # The floor is measured again right before and right after each path, and the
            # ratio is to their mean: on a shared machine the load drifts within a run (the
            # floor alone moved 2,400 -> 3,800 req/s between neighbouring paths, December
            # 2026), and bracketing cancels a steady drift that one neighbour would not.
            before = floor["measure"][kind]()
            result = wrk(url, args, *extra, env=run_env[0] if run_env else None)
            after = floor["measure"][kind]()
            adjacent = (before["rps"] + after["rps"]) / 2
            ratio = result["rps"] / adjacent
            result["floor_rps"] = adjacent
            result["floor_span"] = (before["rps"], after["rps"])
            rows.append((name, backend, result, ratio))
        rows.append(("worker RSS after run (MB)", backend, {"rss": worker_rss_mb(server)}, None))
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--small", action="store_true", help="a small seed, for a quick check")
    parser.add_argument("--shipped", action="store_true",
                        help="config/gunicorn.conf.py's worker settings for both servers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9",
                        help="limiter storage for Engage on PostgreSQL with --shipped (flushed)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    port = free_port()
    floor_env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    floor_proc = gunicorn("floor_app:app", port, args, floor_env, tmp / "floor.log")
    rows: list = []
    try:
        wait_http(f"http://127.0.0.1:{port}/json")
        post_env = {**os.environ, "BODY": json.dumps({"stars": 4})}
        measure = {
            "get": lambda: wrk(f"http://127.0.0.1:{port}/json", args),
            "post": lambda: wrk(f"http://127.0.0.1:{port}/echo", args, "-s",
                                str(HERE / "lua" / "post_body.lua"), env=post_env)}
        floor = {"get": measure["get"](), "post": measure["post"](), "measure": measure}
        rows += [("floor GET /json", "-", floor["get"], 1.0),
                 ("floor POST /echo", "-", floor["post"], 1.0)]
        for backend in args.backends.split(","):
            measure_engage(backend.strip(), args, tmp, rows, floor)
    finally:
        stop(floor_proc)
    print_table(rows, args)


def print_table(rows: list, args) -> None:
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s, gunicorn "
          f"{' '.join(server_settings(args))}"
          f"{' (Redis limiter storage on PostgreSQL)' if args.shipped else ''}, "
          f"{os.cpu_count()} CPUs, all in one run\n")
    print("| path | db | req/s | p50 ms | p99 ms | floor req/s before / after | ÷ floor (mean) "
          "| target | ok |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for name, backend, r, ratio in rows:
        if "rss" in r:
            print(f"| {name} | {backend} | | | | | | < 120 | {'yes' if r['rss'] < 120 else 'NO'} "
                  f"({r['rss']:.0f} MB) |")
            continue
        target = TARGETS.get(name)
        ok = "" if target is None else ("yes" if ratio >= target else "NO")
        bad = f" non2xx={r['non2xx']}" if r["non2xx"] else ""
        span = r.get("floor_span", (r["rps"], r["rps"]))
        print(f"| {name} | {backend} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
              f"{span[0]:.0f} / {span[1]:.0f} | {ratio:.2f} | {target or ''} | {ok}{bad} |")


if __name__ == "__main__":
    main()
