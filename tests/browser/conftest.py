"""Fixtures for the end-to-end browser tests: a real `engage serve` process and Debian Chromium.

Nothing here downloads a browser: Playwright drives the system Chromium at /usr/bin/chromium.
When Chromium or the playwright package is missing the browser tests are skipped, unless
ENGAGE_REQUIRE_BROWSER=1 (CI), in which case they fail.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
STARTUP_TIMEOUT_S = 20.0
COMMAND_TIMEOUT_S = 120.0


def _missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (install the Debian 'chromium' package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        return f"the playwright package is not importable: {err}"
    return None


def require_browser() -> None:
    """Skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) when Chromium or Playwright is missing."""
    reason = _missing_browser_reason()
    if reason is None:
        return
    if os.environ.get("ENGAGE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ENGAGE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class EngageServer:
    """A running `engage serve` process."""

    base_url: str
    port: int
    username: str
    password: str
    log_path: Path
    database_url: str

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the only host the pages may talk to."""
        return f"127.0.0.1:{self.port}"

    def log(self) -> str:
        """The server's combined stdout/stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _engage_script() -> Path:
    script = Path(sys.executable).parent / "engage"
    if not script.exists():
        pytest.fail(f"console script {script} not found: install the package (pip install -e .)",
                    pytrace=False)
    return script


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                            encoding="utf-8", timeout=COMMAND_TIMEOUT_S, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {result.returncode}\n"
                    f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}", pytrace=False)
    return result.stdout


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"engage serve exited with {proc.returncode} before answering\n"
                        f"{log_path.read_text(encoding='utf-8', errors='replace')}",
                        pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
            last_error = err
        time.sleep(0.1)
    pytest.fail(f"{url} did not answer within {STARTUP_TIMEOUT_S:.0f} s ({last_error!r})\n"
                f"{log_path.read_text(encoding='utf-8', errors='replace')}", pytrace=False)


@contextlib.contextmanager
def _serve(workdir: Path, settings: dict[str, str]) -> Iterator[EngageServer]:
    port = _free_port()
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("ENGAGE_") and k != "ENGAGE_REQUIRE_BROWSER"]:
        del env[key]  # no stray developer settings (ENGAGE_CONFIG, …) leak into the server
    env.update({
        "ENGAGE_DATABASE_URL": f"sqlite:///{workdir / 'e.sqlite3'}",
        "ENGAGE_SECRET_KEY": secrets.token_hex(32),
        "ENGAGE_SERVE_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
        **settings,
    })
    script = str(_engage_script())
    _run([script, "init-db"], env, workdir)
    demo_out = _run([script, "demo"], env, workdir)
    user_match = re.search(r"^\s*username:\s*(\S+)\s*$", demo_out, re.MULTILINE)
    pass_match = re.search(r"^\s*password:\s*(\S+)\s*$", demo_out, re.MULTILINE)
    if not pass_match:
        pytest.fail(f"no 'password: …' line in the output of engage demo:\n{demo_out}",
                    pytrace=False)

    log_path = workdir / "serve.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([script, "serve", "--port", str(port)], env=env, cwd=workdir,
                                stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(f"{base_url}/healthz", proc, log_path)
        yield EngageServer(base_url=base_url, port=port,
                           username=user_match.group(1) if user_match else "demo",
                           password=pass_match.group(1), log_path=log_path,
                           database_url=env["ENGAGE_DATABASE_URL"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def engage_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngageServer]:
    """init-db + demo + serve in a fresh temporary directory; yields the URL and the password."""
    require_browser()
    with _serve(tmp_path_factory.mktemp("engage-server"), {}) as server:
        yield server


@pytest.fixture(scope="session")
def start_engage(tmp_path_factory: pytest.TempPathFactory):
    """Start another `engage serve` (init-db + demo) with extra ``ENGAGE_*`` settings:
    ``start_engage({"ENGAGE_…": "…"})`` → :class:`EngageServer`; stopped at the session's end."""
    require_browser()
    with contextlib.ExitStack() as stack:
        yield lambda settings: stack.enter_context(
            _serve(tmp_path_factory.mktemp("engage-server"), settings))


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_context(chromium) -> Iterator[object]:
    """A fresh browser profile (no cookies, no localStorage) per test, in Vietnamese."""
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root, for screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _cli_for(server: EngageServer):
    """A function running `engage …` against ``server``'s database; it returns the stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env["ENGAGE_DATABASE_URL"] = server.database_url
    script = str(_engage_script())

    def run(*args: str) -> str:
        return _run([script, *args], env, REPO_ROOT).strip()

    return run


@pytest.fixture(scope="session")
def engage_cli(engage_server):
    """Run an `engage …` command against the running server's database; returns its stdout."""
    return _cli_for(engage_server)


@pytest.fixture(scope="session")
def cli_for():
    """``cli_for(server)``: a function running `engage …` against that server's database."""
    return _cli_for


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep the browser tests together on one pytest-xdist worker, in file order
    (``--dist loadgroup``): they share one `engage serve` and one Chromium, as in a single
    process, so no test sees another worker's server state."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
