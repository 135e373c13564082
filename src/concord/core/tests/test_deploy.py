"""Production deployment: the settings in production mode, the files in deploy/, and a real
gunicorn plus a real `concord worker` answering a healthy /healthz from the test database.

Everything that starts a process does it the way an operator would (console scripts, the
environment, deploy/gunicorn.conf.py), so these tests fail when a deployment would.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection
from gunicorn.config import Config

from concord.core.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
ENV_EXAMPLE = DEPLOY / "concord.env.example"

# Variables a developer's shell (or CI) may carry that would change what production mode means.
INHERITED_NOISE = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CONCORD_HOME",
    "CONCORD_VAR_DIR",
    "GUNICORN_CMD_ARGS",
    "WEB_CONCURRENCY",
    "PORT",
    "BIND_HOST",
    # Set by the project's conftest for Playwright; `check --deploy` rightly rejects it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
# The bounded wait for processes to come up or go down; never a timing assertion.
STARTUP_SECONDS = 30.0


def production_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production server, with ./var/ kept out of the way."""
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_NOISE}
    env.update(
        CONCORD_PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        CONCORD_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="concord.settings",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=STARTUP_SECONDS
    )


# --- Production settings --------------------------------------------------------------------


def test_check_deploy_has_no_warnings(tmp_path: Path) -> None:
    env = production_env(tmp_path, ALLOWED_HOSTS="concord.example.org")

    result = run([str(BIN / "concord"), "check", "--deploy", "--fail-level", "WARNING"], env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output


def test_check_deploy_catches_debug(tmp_path: Path) -> None:
    # Proves the test above can fail: DEBUG on a server is exactly what it must catch.
    env = production_env(tmp_path, ALLOWED_HOSTS="concord.example.org", DEBUG="1")

    result = run([str(BIN / "concord"), "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["concord", "check"],
        ["concord", "worker"],
        ["gunicorn", "--config", str(GUNICORN_CONF), "--bind", "127.0.0.1:0"],
    ],
    ids=["check", "worker", "gunicorn"],
)
@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_production_refuses_to_start_without_secret_key(
    tmp_path: Path, command: list[str], secret_key: str | None
) -> None:
    env = production_env(tmp_path, ALLOWED_HOSTS="concord.example.org")
    del env["SECRET_KEY"]
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    if command[0] == "gunicorn":
        command = [*command, "concord.wsgi:application"]

    result = run([str(BIN / command[0]), *command[1:]], env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment in production mode" in result.stderr
    # A key made up on the spot would silently differ between processes and restarts.
    assert not (tmp_path / "secret_key").exists()


# --- Files in deploy/ ----------------------------------------------------------------------


def load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("PORT", "BIND_HOST", "WEB_CONCURRENCY", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_conf_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_gunicorn_conf(monkeypatch)

    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == 3
    assert conf["accesslog"] == "-"


def test_gunicorn_conf_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = load_gunicorn_conf(
        monkeypatch, PORT="9123", BIND_HOST="0.0.0.0", WEB_CONCURRENCY="5", LOG_LEVEL="WARNING"
    )

    assert conf["bind"] == ["0.0.0.0:9123"]
    assert conf["workers"] == 5
    assert conf["loglevel"] == "warning"


def test_gunicorn_conf_names_are_all_gunicorn_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Gunicorn silently ignores unknown names, so a typo ("graceful_timout") would go unnoticed.
    conf = load_gunicorn_conf(monkeypatch)
    # Plain values only: imports, helpers and `from __future__ import annotations` are not settings.
    names = {
        name
        for name, value in conf.items()
        if not name.startswith("_") and isinstance(value, str | int | float | list | dict)
    }

    assert names - set(Config().settings) == set()


def test_systemd_waits_longer_than_gunicorns_graceful_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    # Otherwise systemd kills gunicorn while it is still finishing requests in flight.
    unit = (DEPLOY / "systemd" / "concord-web.service").read_text()
    stop_timeout = re.search(r"^TimeoutStopSec=(\d+)$", unit, flags=re.MULTILINE)

    assert stop_timeout is not None
    assert int(stop_timeout.group(1)) > load_gunicorn_conf(monkeypatch)["graceful_timeout"]


def env_names_used_by_code() -> set[str]:
    pattern = re.compile(
        r"""(?:environ\.get|environ\[|getenv|env_bool|env_list|env_int)\(?\s*["']([A-Z][A-Z0-9_]*)["']"""
    )
    sources = [p for p in (ROOT / "src" / "concord").rglob("*.py") if "tests" not in p.parts]
    names = {
        name for path in [*sources, GUNICORN_CONF] for name in pattern.findall(path.read_text())
    }
    # Set by the entry points themselves, not by an operator.
    return names - {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_env_example_documents_every_variable() -> None:
    text = ENV_EXAMPLE.read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))

    assert env_names_used_by_code() - documented == set()


def test_env_example_is_plain_assignments() -> None:
    # One file serves systemd's EnvironmentFile= and compose's env_file:, which agree only on
    # NAME=value lines and # comments.
    for line in ENV_EXAMPLE.read_text().splitlines():
        assert not line.strip() or line.startswith("#") or re.match(r"^[A-Z][A-Z0-9_]*=", line)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_units_verify(tmp_path: Path) -> None:
    # The units name the production paths; point them at this checkout so that verify can
    # check the executables too.
    for name, target in [
        ("concord-web.service", "concord-web.service"),
        ("concord-worker@.service", "concord-worker@1.service"),
    ]:
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/opt/concord/.venv/bin", str(BIN)).replace("/opt/concord", str(ROOT))
        (tmp_path / target).write_text(text)

    result = subprocess.run(
        ["systemd-analyze", "verify", "concord-web.service", "concord-worker@1.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )

    assert result.returncode == 0, result.stderr


# --- Smoke test: gunicorn and a worker against the test database ----------------------------


def url_of_test_database() -> str:
    """A DATABASE_URL for the database pytest-django created, for processes we start."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + quote(name)))


@dataclass(frozen=True)
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def report(self) -> str:
        output = self.log.read_text("utf-8", errors="replace")
        return f"--- {self.name} (exit code {self.process.poll()}) ---\n{output}"


@contextmanager
def listening_socket() -> Iterator[socket.socket]:
    """A socket bound to a free port, handed to gunicorn so that nothing can take the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.set_inheritable(True)
        yield sock


@contextmanager
def started(
    name: str,
    command: list[str],
    env: dict[str, str],
    log_dir: Path,
    pass_fds: tuple[int, ...] = (),
) -> Iterator[Started]:
    """A process that is always stopped, and waited for, when the block ends."""
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=pass_fds,
            # Its own process group, so gunicorn's workers go too if the master must be killed.
            start_new_session=True,
        )
        try:
            yield Started(name, process, log)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch_health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, parse_body(response.read())
    except urllib.error.HTTPError as error:  # 503 is an answer, not a failure
        return error.code, parse_body(error.read())


def parse_body(raw: bytes) -> dict[str, Any]:
    # Gunicorn answers an HTML error page when the application cannot even be loaded.
    try:
        body = json.loads(raw)
    except ValueError:
        return {"not_json": raw.decode("utf-8", errors="replace")[:500]}
    return body if isinstance(body, dict) else {"not_an_object": body}


def wait_until_healthy(url: str, services: list[Started]) -> dict[str, Any]:
    """Poll /healthz until it answers 200; fail at once, with the logs, if a process dies."""
    deadline = time.monotonic() + STARTUP_SECONDS
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        if any(service.process.poll() is not None for service in services):
            pytest.fail(f"a process exited before /healthz was healthy\n{reports(services)}")
        try:
            status, body = fetch_health(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = 0  # gunicorn's workers are still booting
        if status == 200:
            return body
        time.sleep(0.2)
    pytest.fail(f"/healthz not healthy within {STARTUP_SECONDS:.0f} s: {body}\n{reports(services)}")


def reports(services: list[Started]) -> str:
    return "\n".join(service.report() for service in services)


def run_healthcheck(env: dict[str, str], port: str) -> subprocess.CompletedProcess[str]:
    """deploy/healthcheck.py, as compose's health check runs it."""
    return run([sys.executable, str(DEPLOY / "healthcheck.py")], {**env, "PORT": port})


@pytest.mark.django_db(transaction=True)
def test_gunicorn_and_worker_serve_a_healthy_healthz(tmp_path: Path) -> None:
    worker_id = f"smoke-test:{os.getpid()}"
    env = production_env(
        tmp_path,
        DATABASE_URL=url_of_test_database(),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        WEB_CONCURRENCY="2",
    )
    worker_command = [str(BIN / "concord"), "worker", "--heartbeat", "1", "--worker-id", worker_id]
    # What collectstatic would have made; whitenoise only warns without it, but noisily.
    (tmp_path / "static").mkdir()

    with listening_socket() as sock:
        port = str(sock.getsockname()[1])
        url = f"http://127.0.0.1:{port}/healthz"
        web_command = [
            *[str(BIN / "gunicorn"), "--config", str(GUNICORN_CONF)],
            *["--bind", f"fd://{sock.fileno()}", "concord.wsgi:application"],
        ]
        with (
            started("gunicorn", web_command, env, tmp_path, (sock.fileno(),)) as web,
            started("worker", worker_command, env, tmp_path) as worker,
        ):
            body = wait_until_healthy(url, [web, worker])

            assert body["status"] == "ok"
            assert body["worker"]["alive"] >= 1
            assert body["database"] == {"ok": True, "vendor": connection.vendor}
            assert WorkerHeartbeat.objects.filter(worker_id=worker_id).exists()
            assert run_healthcheck(env, port).returncode == 0

            # A clean stop removes the worker's heartbeat, and /healthz notices at once.
            worker.process.send_signal(signal.SIGTERM)
            assert worker.process.wait(timeout=STARTUP_SECONDS) == 0, worker.report()
            assert not WorkerHeartbeat.objects.filter(worker_id=worker_id).exists()
            status, body = fetch_health(url)
            assert (status, body["worker"]["alive"]) == (503, 0)
            assert run_healthcheck(env, port).returncode == 1
            assert web.process.poll() is None, web.report()
