"""A/B: one write path of this working tree against an earlier revision, and both against the
floor, interleaved in one run.

On a shared machine the speed drifts by ±30 % within minutes, so two bench/run.py runs cannot
tell a 10 % change.  This starts the floor, Engage at ``--base`` (a ``git worktree`` of it) and
Engage from this working tree, each with its own seeded SQLite database and the same gunicorn
settings, then alternates short wrk runs (floor, A, B; then floor, B, A; ...) and prints each
round, the median of B ÷ A, and the workers' CPU milliseconds per request (utime + stime of the
gunicorn workers, from /proc) for each side.

Usage:  .venv/bin/python bench/ab.py [--base f3f3c60] [--mode comment|rating] [--rounds 6]
        [--duration 4] [--workers 2] [--connections 16] [--backend sqlite|postgresql]
        [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
Needs wrk and git (and, for PostgreSQL, a server at --pg-url with trust auth: each side gets
its own database, ``engage_ab_a`` / ``engage_ab_b``, dropped first); all traffic goes to
127.0.0.1; every server and the worktree are removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from run import (
    BIN, HERE, ROOT, engage_env, free_port, fresh_pg, gunicorn, stop, wait_http, workers, wrk)


def workers_cpu_ms(master: subprocess.Popen) -> float:
    """CPU time (user + system) of the gunicorn master's workers so far, in milliseconds."""
    total = 0
    for child, _status in workers(master):
        try:
            fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (proc(5))
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def start_engage(tree: Path, name: str, args, tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    """Seed a database (``args.backend``) with ``tree``'s code and start it under gunicorn.

    gunicorn puts its working directory first on ``sys.path``, so each server starts from its
    own tree (else both would import this one's ``engage``).
    """
    url = (f"sqlite:///{tmp / (name + '.sqlite3')}" if args.backend == "sqlite"
           else fresh_pg(args.pg_url, f"engage_ab_{name.lower()}"))
    env = engage_env(url, tmp)
    env["PYTHONPATH"] = str(tree)
    init = "import sys; from engage.cli import main; sys.argv = ['engage', 'init-db']; main()"
    subprocess.run([str(BIN / "python"), "-c", init], env=env, cwd=tree, check=True,
                   capture_output=True)
    tokens = tmp / f"tokens-{name}.txt"
    subprocess.run([str(BIN / "python"), str(tree / "bench" / "seed.py"), "--tokens",
                    str(tokens), "--articles", "200", "--comments", "5000", "--votes", "20000"],
                   env=env, cwd=tree, check=True, capture_output=True)
    port = free_port()
    cmd = [str(BIN / "gunicorn"), "-k", "sync", "-w", str(args.workers), "-b",
           f"127.0.0.1:{port}", "--chdir", str(tree), "--log-level", "warning",
           "engage:create_app()"]
    log = (tmp / f"{name}.log").open("w")
    server = subprocess.Popen(cmd, env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT)
    return server, f"http://127.0.0.1:{port}/", tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="the revision to compare against (A)")
    parser.add_argument("--mode", choices=("comment", "rating"), default="comment")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="engage-ab-"))
    base = tmp / "base"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base),
                    args.base], check=True)
    servers: list[subprocess.Popen] = []
    try:
        floor_port = free_port()
        servers.append(gunicorn("floor_app:app", floor_port, args, dict(os.environ),
                                tmp / "floor.log"))
        sides = {}
        for name, tree in (("A", base), ("B", ROOT)):
            server, url, tokens = start_engage(tree, name, args, tmp)
            servers.append(server)
            sides[name] = (server, url, tokens)
        wait_http(f"http://127.0.0.1:{floor_port}/json")
        for _, url, _ in sides.values():
            wait_http(url + "healthz")
        rps = {"floor": [], "A": [], "B": []}
        cpu = {"A": [], "B": []}
        post = {**os.environ, "BODY": json.dumps({"stars": 4})}
        print(f"A = {args.base}, B = working tree; {args.mode} on {args.backend}; gunicorn sync -w{args.workers}, "
              f"wrk -t2 -c{args.connections} -d{args.duration}s")
        for rnd in range(args.rounds):
            rps["floor"].append(wrk(f"http://127.0.0.1:{floor_port}/echo", args, "-s",
                                    str(HERE / "lua" / "post_body.lua"), env=post)["rps"])
            for name in ("A", "B") if rnd % 2 == 0 else ("B", "A"):
                server, url, tokens = sides[name]
                env = {**os.environ, "TOKENS_FILE": str(tokens), "SITE": "bench",
                       "ARTICLES": "50", "MODE": args.mode, "RUN": f"{rnd}{name}"}
                before = workers_cpu_ms(server)
                out = wrk(url, args, "-s", str(HERE / "lua" / "engage.lua"), env=env)
                cpu[name].append((workers_cpu_ms(server) - before) / (out["rps"] * args.duration))
                rps[name].append(out["rps"])
                if out["non2xx"]:
                    print(f"  {name}: {out['non2xx']} answers were not 2xx")
            print(f"round {rnd}: floor {rps['floor'][-1]:.0f}  A {rps['A'][-1]:.0f}  "
                  f"B {rps['B'][-1]:.0f} req/s  B÷A {rps['B'][-1] / rps['A'][-1]:.2f}")
        floor = statistics.mean(rps["floor"])
        a, b = statistics.mean(rps["A"]), statistics.mean(rps["B"])
        print(f"mean req/s: floor {floor:.0f}, A {a:.0f} ({a / floor:.3f}× floor), "
              f"B {b:.0f} ({b / floor:.3f}× floor); median B÷A "
              f"{statistics.median(x / y for x, y in zip(rps['B'], rps['A'])):.2f}")
        print(f"worker CPU per request, median: A {statistics.median(cpu['A']):.2f} ms, "
              f"B {statistics.median(cpu['B']):.2f} ms")
    finally:
        for server in servers:
            stop(server)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                       check=False)


if __name__ == "__main__":
    main()
