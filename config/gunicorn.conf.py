"""gunicorn settings for Engage in production:  gunicorn -c config/gunicorn.conf.py 'engage:create_app()'

Every value can be set from the environment (defaults in brackets):

ENGAGE_BIND [127.0.0.1:8000]      address to listen on (a reverse proxy / load balancer in front)
ENGAGE_WORKERS [2 × CPUs + 1]     worker processes (gunicorn docs, "How Many Workers?")
ENGAGE_WORKER_CLASS [gthread]     gthread keeps client connections alive; sync is the simplest
ENGAGE_THREADS [4]                threads per gthread worker (keep DB_POOL_SIZE + DB_MAX_OVERFLOW
                                  at or above this: each thread may hold one connection)
ENGAGE_TIMEOUT [30]               seconds a silent worker lives before the master restarts it
ENGAGE_GRACEFUL_TIMEOUT [30]      seconds to finish requests on restart/stop
ENGAGE_KEEPALIVE [5]              seconds to hold an idle keep-alive connection (gthread)
ENGAGE_MAX_REQUESTS [0]           restart a worker after this many requests (0: never), with
                                  ENGAGE_MAX_REQUESTS_JITTER [0] added at random
ENGAGE_ACCESS_LOG [-]             access log file ("-": stdout), one JSON object per request
ENGAGE_LOG_LEVEL [info]           gunicorn's own log level
PROMETHEUS_MULTIPROC_DIR          a directory for prometheus_client's per-worker files; /metrics
                                  then reports all workers (emptied at start, a dead worker's
                                  gauges dropped).  Unset: each worker reports only itself.

The worker count is exported to the app as ENGAGE_WORKERS, so production refuses per-process
(``memory://``) rate limits when more than one worker would count separately.
"""
import json
import multiprocessing
import os
import shutil
import time
from pathlib import Path

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("ENGAGE_BIND", "127.0.0.1:8000")
workers = _int("ENGAGE_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = os.environ.get("ENGAGE_WORKER_CLASS", "gthread")
threads = _int("ENGAGE_THREADS", 4)
timeout = _int("ENGAGE_TIMEOUT", 30)
graceful_timeout = _int("ENGAGE_GRACEFUL_TIMEOUT", 30)
keepalive = _int("ENGAGE_KEEPALIVE", 5)
max_requests = _int("ENGAGE_MAX_REQUESTS", 0)
max_requests_jitter = _int("ENGAGE_MAX_REQUESTS_JITTER", 0)
loglevel = os.environ.get("ENGAGE_LOG_LEVEL", "info")
accesslog = os.environ.get("ENGAGE_ACCESS_LOG", "-")
errorlog = "-"

# Preload off: each worker builds the app after the fork, so it opens its own database pool,
# Redis client and the read fast path's pinned connections (none of them may be shared across
# a fork), a failed config check is reported by every worker at boot, and `kill -HUP` reloads
# code.  Preloading would save only the import memory of one app (a few MB per worker).
preload_app = False

# The workers' heartbeat files on tmpfs: on a disk that stalls (e.g. a busy or network volume)
# the master would take a late heartbeat for a hung worker and kill it (gunicorn FAQ, "Blocking
# os.fchmod").  /dev/shm exists on Linux; elsewhere gunicorn's default temp dir is kept.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


class JsonAccessLogger(Logger):
    """gunicorn's logger with one JSON object per access-log line (json.dumps escapes every
    field, which a printf-style ``access_log_format`` cannot)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "remote": environ.get("REMOTE_ADDR", ""),
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("PATH_INFO", ""),
            "query": environ.get("QUERY_STRING", ""),
            "status": resp.status_code,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "request_id": headers.get("x-request-id", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # never let logging break a response (as gunicorn's own access())
            self.exception("access log failed")


logger_class = JsonAccessLogger


def _json_errors() -> None:
    """gunicorn's own error pages (a malformed request, a request line over 4,094 bytes, too
    many headers) answer JSON like the rest of Engage (``engage.web.server_errors``): its
    workers call ``gunicorn.util.write_error``, replaced here, in the master, before they fork."""
    from gunicorn import util

    from engage.web.server_errors import write_json_error

    util.write_error = write_json_error


_json_errors()


def on_starting(server):
    """Master, before forking: tell the app how many workers share this host, and empty the
    Prometheus multiprocess directory (stale files from an earlier run would be added in)."""
    os.environ["ENGAGE_WORKERS"] = str(server.cfg.workers)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.is_dir():
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker ended: drop its live gauges from the Prometheus multiprocess files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
