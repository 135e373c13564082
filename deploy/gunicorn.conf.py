"""Gunicorn settings for Concord's web process.

Used by the systemd unit, the compose file and CI alike:

    gunicorn --config deploy/gunicorn.conf.py concord.wsgi:application

Everything that differs between machines comes from the environment (see concord.env.example).
Gunicorn ignores names here that are not its settings, so the helpers below are harmless.
"""

from __future__ import annotations

import os
from pathlib import Path


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback by default: in production a reverse proxy (nginx) terminates TLS in front of us.
# Containers set BIND_HOST=0.0.0.0 so that the published port reaches the process.
bind = [f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{env_int('PORT', 8000)}"]

# Synchronous workers: each handles one request at a time, so this is the number of concurrent
# requests. 2-4 per CPU core is the usual range; every worker holds one database connection.
workers = env_int("WEB_CONCURRENCY", 3)
worker_class = "sync"

# A request that takes longer than this is a bug (slow work belongs to `concord worker`).
timeout = env_int("GUNICORN_TIMEOUT", 30)
# Shorter than systemd's TimeoutStopSec and compose's stop_grace_period, so in-flight requests
# finish before the service manager resorts to SIGKILL.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# Seconds an idle client connection stays open; lets nginx reuse upstream connections.
keepalive = env_int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then so that a slow memory leak cannot grow without bound; the
# jitter keeps all workers from restarting at the same moment.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Import the application in each worker, not in the master: database connections are never
# shared across fork, and `systemctl reload` (SIGHUP) starts workers that load the new code.
preload_app = False

# The worker liveness file is touched constantly; on a disk-backed /tmp that can stall a
# worker, so use the shared-memory tmpfs when the machine has one.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

# Gunicorn >= 25 opens a control socket in $XDG_RUNTIME_DIR or ~/.gunicorn by default. The
# service user has no home directory and several instances may share a machine (CI), so it
# stays off; manage the process through systemd or compose instead.
control_socket_disable = True

# Logs go to stdout/stderr, where journald and `docker compose logs` collect them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The standard combined format plus the request duration in microseconds (%(D)s).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'

proc_name = "concord-web"
