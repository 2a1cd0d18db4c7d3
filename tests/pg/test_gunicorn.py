"""config/gunicorn.conf.py: production refusals at boot, JSON access log, multi-worker metrics."""
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

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
