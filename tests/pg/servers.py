"""Private database and cache servers for outage tests: started on a free loopback port in a
temporary directory, stopped and started at will, never the shared ones on 5432/6379."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _pg_bin() -> Path:
    """``$ENGAGE_PG_BIN``, else the newest Debian ``/usr/lib/postgresql/<major>/bin``."""
    if os.environ.get("ENGAGE_PG_BIN"):
        return Path(os.environ["ENGAGE_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


def require(flag: str, reason: str) -> None:
    """Skip the test, or fail it when the ``flag`` environment variable is 1."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{flag}=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on at the moment (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, up: bool, seconds: float = 20) -> None:
    """Wait until ``127.0.0.1:port`` accepts connections (``up``) or refuses them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'down' if up else 'up'} after {seconds}s")


class PrivateRedis:
    """``redis-server --port P --save ''``: start, kill and restart on the same port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            require("ENGAGE_REQUIRE_REDIS", "redis-server is not installed")
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, up=True)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        wait_port(self.port, up=False)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (``initdb`` + ``pg_ctl``) on a free port.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres``
    system user (``runuser``), in a fresh directory under the system temp dir (pytest's own
    temp dirs are private to root).  :meth:`remove` stops it and deletes the directory.
    """

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            require("ENGAGE_REQUIRE_PG", f"PostgreSQL server binaries not found in {PG_BIN}")
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="engage-pg-"))
        self.data = self.workdir / "data"
        self.log = self.workdir / "pg.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                require("ENGAGE_REQUIRE_PG", "running as root without a 'postgres' user")
            if not shutil.which("runuser"):
                require("ENGAGE_REQUIRE_PG", "running as root without runuser")
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")

    def _run(self, *cmd) -> None:
        subprocess.run([*self.prefix, *map(str, cmd)], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> None:
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                "-c fsync=off -c max_connections=50")
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start")
        wait_port(self.port, up=True)

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        wait_port(self.port, up=False)

    def remove(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


class Gunicorn:
    """``gunicorn -c config/gunicorn.conf.py 'engage:create_app()'`` on a free port."""

    def __init__(self, env: dict, log: Path, workers: int = 2, worker_class: str = "sync") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        root = Path(__file__).resolve().parents[2]
        gunicorn = Path(os.sys.executable).parent / "gunicorn"
        self.env = {**env, "ENGAGE_BIND": f"127.0.0.1:{self.port}",
                    "ENGAGE_WORKERS": str(workers), "ENGAGE_WORKER_CLASS": worker_class,
                    "ENGAGE_ACCESS_LOG": "-"}
        with log.open("w") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [str(gunicorn), "-c", str(root / "config" / "gunicorn.conf.py"),
                 "engage:create_app()"], cwd=root, env=self.env, stdout=out,
                stderr=subprocess.STDOUT)

    def wait_ready(self, seconds: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}: {self.output()}")
            try:
                # A long timeout: a probe given up on while the server is slow would still be
                # answered (and counted in /metrics) after the caller moved on.
                urllib.request.urlopen(self.url + "/healthz", timeout=30).read()
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"gunicorn not ready: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
