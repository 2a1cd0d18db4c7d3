"""Benchmark `engage import disqus` (issue 9): peak memory and time on generated Disqus files of
two sizes, measured in one run, so the ratio shows whether memory grows with the file.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_import.py [--mb 100] [--small-mb 10] [--message-bytes 1000]

Each size is imported by a fresh `engage import disqus` process into a fresh SQLite database;
peak RSS is that child's own ``ru_maxrss`` (wait4(2), kilobytes on Linux).  Files are written
in chunks (never held in memory) to a temporary folder and deleted afterwards.  A third of the
posts reply to the post before them, so parent lookups are exercised.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
WORDS = ("bài viết rất hay cảm ơn tòa soạn đã đưa tin kịp thời người dân miền Trung "
         "mong chính quyền sớm hỗ trợ giá xăng tăng ảnh hưởng đời sống").split()


def write_disqus(path: Path, megabytes: float, message_bytes: int) -> int:
    """Write a Disqus export of about ``megabytes`` MB; returns the number of posts."""
    target = int(megabytes * 1024 * 1024)
    threads = 200
    posts = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                  'xmlns:dsq="http://disqus.com/disqus-internals">\n')
        for t in range(threads):
            out.write(f'<thread dsq:id="t{t}"><id>bai-{t}</id><link>https://b.vn/bai-{t}</link>'
                      f'<title>Bài số {t}</title><createdAt>2020-01-01T00:00:00Z</createdAt>'
                      '<isClosed>false</isClosed></thread>\n')
        while out.tell() < target:
            posts += 1
            words, size = [], 0
            while size < message_bytes:
                word = WORDS[(posts * 7 + len(words)) % len(WORDS)]
                words.append(word)
                size += len(word.encode()) + 1
            parent = f'<parent dsq:id="{posts - 1}"/>' if posts % 3 == 0 else ""
            out.write(f'<post dsq:id="{posts}"><message><![CDATA[<p>{posts}: '
                      f'{" ".join(words)}</p>]]></message><createdAt>2020-01-02T00:00:00Z'
                      '</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author>'
                      f'<name>Độc giả {posts % 5000}</name></author>'
                      f'<thread dsq:id="t{(posts - posts % 3) % threads}"/>{parent}</post>\n')
        out.write("</disqus>\n")
    return posts


def run(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run one engage command; ``(seconds, peak RSS kB of that very child, output)``.

    ``os.wait4`` gives the rusage of this child alone (``RUSAGE_CHILDREN`` would report the
    largest of all children so far, e.g. the migration run of ``init-db``).
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen([str(BIN / "engage"), *args], env=env, stdout=out,
                                 stderr=subprocess.DEVNULL, text=True)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        if child.returncode:
            raise SystemExit(f"engage {' '.join(args)} exited {child.returncode}")
        out.seek(0)
        return elapsed, usage.ru_maxrss, out.read()


def measure(folder: Path, megabytes: float, message_bytes: int) -> dict:
    path = folder / f"disqus-{megabytes:g}mb.xml"
    posts = write_disqus(path, megabytes, message_bytes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update(ENGAGE_DATABASE_URL=f"sqlite:///{folder}/bench-{megabytes:g}.sqlite3",
               ENGAGE_SECRET_KEY="b" * 64)
    run(["init-db"], env)
    run(["create-site", "bench", "--name", "Bench"], env)
    seconds, peak_kb, output = run(["import", "disqus", str(path), "--site", "bench"], env)
    size = path.stat().st_size
    path.unlink()
    return {"mb": size / 2**20, "posts": posts, "seconds": seconds, "peak_mb": peak_kb / 1024,
            "summary": output.strip().splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--small-mb", type=float, default=10)
    parser.add_argument("--message-bytes", type=int, default=1000)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = [measure(folder, opts.small_mb, opts.message_bytes),
                   measure(folder, opts.mb, opts.message_bytes)]
    for r in results:
        print(f"{r['mb']:7.1f} MB  {r['posts']:>8} posts  {r['seconds']:7.1f} s  "
              f"{r['posts'] / r['seconds']:7.0f} posts/s  peak RSS {r['peak_mb']:6.1f} MB")
        for line in r["summary"]:
            print("          " + line)
    small, large = results
    print(f"file size ratio {large['mb'] / small['mb']:.1f}x, "
          f"peak RSS ratio {large['peak_mb'] / small['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
