"""Engage against the Isso 0.14 comment server, in one run, under the same gunicorn and wrk settings.

Isso is not an Engage dependency: it is installed into its own venv under /tmp (``--isso-venv``,
created on first use with ``pip install isso==0.14.0 gunicorn``).  Both servers run under
gunicorn ``sync -w<workers>`` on 127.0.0.1 with a fresh SQLite database each:

- Isso: thread ``/article-1`` with 20 comments (posted through its own API, moderation off, its
  per-IP guard limits raised so one client may post), threads ``/article-2..50`` created.
  Measured: ``GET /?uri=/article-1`` (the whole 20-comment thread) and ``POST /new`` (a unique
  comment each request, spread over 50 threads; bench/lua/isso_new.lua).
- Engage: ``bench/seed.py`` with article ``a-1`` holding 20 published comments (50 articles,
  1,000 votes).  Measured: the article GET (rating + first page of 20 comments) and the comment
  POST (bench/lua/engage.lua), the same paths as bench/run.py.

Prints req/s, p50, p99 and Engage ÷ Isso, against the issue's targets (article GET ≥ 10× Isso's
thread fetch, comment POST ≥ 3× Isso's POST /new).

Usage:  .venv/bin/python bench/isso.py [--duration 10] [--connections 16] [--workers 2]
Needs wrk (Debian package) and network access for the one-time Isso install.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import run  # bench/run.py: gunicorn, wrk, seeding helpers shared by the benchmarks

HERE = Path(__file__).resolve().parent
ISSO_VERSION = "0.14.0"
TARGETS = {"article GET vs Isso GET /?uri= (20 comments)": 10.0,
           "comment POST vs Isso POST /new": 3.0}


def isso_venv(path: Path) -> Path:
    """The venv with Isso and gunicorn, created on first use."""
    if not (path / "bin" / "isso").exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(path / "bin" / "pip"), "install", "-q", f"isso=={ISSO_VERSION}",
                        "gunicorn"], check=True)
    return path


def isso_config(tmp: Path, port: int) -> Path:
    """Isso settings: SQLite in ``tmp``, moderation off, guard on with limits out of the way."""
    cfg = tmp / "isso.cfg"
    cfg.write_text(f"""[general]
dbpath = {tmp / 'isso.db'}
host = http://127.0.0.1:{port}/
notify = stdout
[moderation]
enabled = false
[guard]
enabled = true
ratelimit = 1000000
direct-reply = 1000000
reply-to-self = false
require-author = false
require-email = false
""")
    return cfg


def isso_post(base: str, uri: str, body: dict) -> int:
    """POST one comment through Isso's API; its HTTP status."""
    request = urllib.request.Request(
        f"{base}/new?{urllib.parse.urlencode({'uri': uri})}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def seed_isso(base: str) -> None:
    """Thread /article-1 with 20 comments; /article-2..50 with one each (threads exist)."""
    for i in range(20):
        body = {"text": f"Bình luận số {i}: bài viết rất hay, cảm ơn tác giả đã đưa tin kịp "
                        f"thời và đầy đủ về sự kiện này.", "author": f"Độc giả {i}"}
        if i == 0:
            body["title"] = "Bài 1"
        assert isso_post(base, "/article-1", body) in (201, 202)
    for n in range(2, 51):
        assert isso_post(base, f"/article-{n}", {"text": "Mở luồng.", "title": f"Bài {n}"}) \
            in (201, 202)
    with urllib.request.urlopen(f"{base}/?uri=%2Farticle-1", timeout=30) as response:
        thread = json.loads(response.read())
    assert thread["total_replies"] == 20 and len(thread["replies"]) == 20, thread.keys()


def measure_isso(args, tmp: Path) -> dict:
    venv = isso_venv(Path(args.isso_venv))
    port = run.free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")},
           "ISSO_SETTINGS": str(isso_config(tmp, port))}
    cmd = [str(venv / "bin" / "gunicorn"), "-k", "sync", "-w", str(args.workers),
           "-b", f"127.0.0.1:{port}", "--log-level", "warning", "isso.run:application"]
    with (tmp / "isso.log").open("w") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    base = f"http://127.0.0.1:{port}"
    try:
        run.wait_http(base + "/config", 60)
        seed_isso(base)
        run.wrk(base + "/?uri=%2Farticle-1", args, env=None)            # warm-up, discarded
        return {"get": run.wrk(base + "/?uri=%2Farticle-1", args),
                "post": run.wrk(base + "/", args, "-s", str(HERE / "lua" / "isso_new.lua"),
                                env={**os.environ, "ARTICLES": "50"})}
    finally:
        run.stop(server)


def measure_engage(args, tmp: Path) -> dict:
    env = run.engage_env(f"sqlite:///{tmp / 'engage.sqlite3'}", tmp)
    subprocess.run([str(run.BIN / "engage"), "init-db"], env=env, check=True, capture_output=True)
    tokens = tmp / "tokens.txt"
    subprocess.run([str(run.BIN / "python"), str(HERE / "seed.py"), "--tokens", str(tokens),
                    "--articles", "50", "--comments", "20", "--votes", "1000"],
                   env=env, check=True)
    port = run.free_port()
    server = run.gunicorn("engage:create_app()", port, args, env, tmp / "engage.log")
    base = f"http://127.0.0.1:{port}"
    try:
        run.wait_http(base + "/healthz")
        article = base + "/api/v1/sites/bench/articles/a-1"
        with urllib.request.urlopen(article) as response:
            assert len(json.loads(response.read())["comments"]) == 20
        run.wrk(article, args)                                           # warm-up, discarded
        lua_env = {**os.environ, "TOKENS_FILE": str(tokens), "SITE": "bench", "ARTICLES": "50",
                   "MODE": "comment"}
        return {"get": run.wrk(article, args),
                "post": run.wrk(base + "/", args, "-s", str(HERE / "lua" / "engage.lua"),
                                env=lua_env)}
    finally:
        run.stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--isso-venv", default="/tmp/engage-isso-venv")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="engage-isso-bench-"))
    isso = measure_isso(args, tmp)
    engage = measure_engage(args, tmp)
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s, gunicorn sync -w{args.workers}, "
          f"SQLite, {os.cpu_count()} CPUs, one run\n")
    print("| path | req/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---:|---:|---:|---:|")
    for name, r in (("Isso GET /?uri=/article-1 (20 comments)", isso["get"]),
                    ("Engage article GET (20 comments)", engage["get"]),
                    ("Isso POST /new", isso["post"]),
                    ("Engage comment POST", engage["post"])):
        print(f"| {name} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['non2xx']} |")
    print("\n| ratio | Engage ÷ Isso | target | ok |")
    print("|---|---:|---:|---|")
    for (name, target), kind in zip(TARGETS.items(), ("get", "post")):
        ratio = engage[kind]["rps"] / isso[kind]["rps"]
        print(f"| {name} | {ratio:.1f} | ≥ {target:g} | {'yes' if ratio >= target else 'NO'} |")


if __name__ == "__main__":
    main()
