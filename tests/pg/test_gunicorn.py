"""config/gunicorn.conf.py: production refusals at boot, JSON access log, multi-worker metrics,
gunicorn's own refusals (bad request line, URL too long) answered as JSON."""
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from servers import Gunicorn

BIN = Path(sys.executable).parent


def _env(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ENGAGE_", "PROMETHEUS_"))}
    env.update({"ENGAGE_DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite3'}",
                "ENGAGE_SECRET_KEY": secrets.token_hex(32), **extra})
    return env


def test_production_refuses_memory_limits_with_two_workers(tmp_path):
    env = _env(tmp_path, ENGAGE_DEPLOYMENT="production",
               ENGAGE_RATELIMIT_STORAGE_URI="memory://")
    server = Gunicorn(env, tmp_path / "refused.log", workers=2)
    try:
        assert server.proc.wait(timeout=60) != 0      # workers fail to boot: the master stops
    finally:
        server.stop()
    assert "not memory://" in server.output()


def test_json_access_log_and_metrics_across_workers(tmp_path):
    env = _env(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    subprocess.run([str(BIN / "engage"), "init-db"], env=env, check=True, capture_output=True)
    server = Gunicorn(env, tmp_path / "serve.log", workers=2)
    try:
        server.wait_ready()
        before = urllib.request.urlopen(server.url + "/metrics", timeout=10).read().decode()
        for i in range(20):
            request = urllib.request.Request(server.url + "/healthz",
                                             headers={"X-Request-ID": f"probe-{i:06d}"})
            assert urllib.request.urlopen(request, timeout=10).status == 200
        metrics = urllib.request.urlopen(server.url + "/metrics", timeout=10).read().decode()
        ready = json.loads(urllib.request.urlopen(server.url + "/readyz", timeout=10).read())
    finally:
        server.stop()
    assert ready["database"] == "up" and ready["limiter"]["storage"] == "memory"
    assert _healthz_count(metrics) - _healthz_count(before) == 20  # summed over both workers
    access = [json.loads(line) for line in server.output().splitlines()
              if line.startswith("{") and '"path": "/healthz"' in line]
    assert {a["request_id"] for a in access} >= {f"probe-{i:06d}" for i in range(20)}
    assert all(a["status"] == 200 and a["method"] == "GET" for a in access)


def _healthz_count(metrics: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith("engage_http_requests_total{")
               and 'endpoint="health.healthz"' in line)


def _raw(port: int, request: bytes) -> tuple[str, dict, bytes]:
    """Send raw bytes; the status line, the headers and the body of the answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


@pytest.mark.parametrize("worker_class", ["sync", "gthread"])
def test_gunicorn_s_own_refusals_answer_json(tmp_path, worker_class):
    env = _env(tmp_path)
    subprocess.run([str(BIN / "engage"), "init-db"], env=env, check=True, capture_output=True)
    server = Gunicorn(env, tmp_path / "errors.log", workers=1, worker_class=worker_class)
    try:
        server.wait_ready()
        long_line = _raw(server.port, b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
        garbage = _raw(server.port, b"<script>alert(1)</script>\r\n\r\n")
        fine = urllib.request.urlopen(server.url + "/healthz", timeout=10).status
    finally:
        server.stop()
    for (status, headers, body), code, number in (
            (long_line, "request_line_too_long", "414"), (garbage, "request_malformed", "400")):
        assert status.split(" ")[1] == number
        assert headers["Content-Type"] == "application/json"
        assert int(headers["Content-Length"]) == len(body)
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        error = json.loads(body)["error"]
        assert error["code"] == code and error["request_id"] == headers["X-Request-Id"]
        assert error["message"].endswith(".") and "<" not in body.decode()
    assert garbage[2] and fine == 200
