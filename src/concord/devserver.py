"""`make run`: migrate, load the demo network when the database is empty, then run the web
server and one worker together until Ctrl-C stops both.

Without channel tokens in the environment, Telegram and WhatsApp run against the local fake
servers (`concord fake_telegram`, `concord fake_whatsapp`), and email is written to files in
var/mail/, so a newcomer can watch the demo bot work without any account anywhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

CONCORD = [sys.executable, "-m", "concord.manage"]
FAKE_TELEGRAM_PORT = "8081"
FAKE_WHATSAPP_PORT = "8082"
FAKE_TELEGRAM_TOKEN = "1000001:concord-demo-token-not-a-secret"
FAKE_WHATSAPP = {
    "WHATSAPP_TOKEN": "fake-whatsapp-token",
    "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "WHATSAPP_APP_SECRET": "fake-whatsapp-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "fake-whatsapp-verify-token",
}


def prepare(env: dict[str, str]) -> None:
    subprocess.run([*CONCORD, "migrate", "--no-input", "-v", "0"], check=True, env=env)
    subprocess.run([*CONCORD, "demo", "--if-empty"], check=True, env=env)


def channels_env(port: str) -> tuple[dict[str, str], list[list[str]]]:
    """The environment for web and worker, and the fake servers to start beside them."""
    env, extra = dict(os.environ), []
    if not env.get("TELEGRAM_BOT_TOKEN"):
        env["TELEGRAM_BOT_TOKEN"] = FAKE_TELEGRAM_TOKEN
        env["TELEGRAM_API_BASE_URL"] = f"http://127.0.0.1:{FAKE_TELEGRAM_PORT}"
        env.setdefault("TELEGRAM_BOT_USERNAME", "concord_demo_bot")
        extra.append([*CONCORD, "fake_telegram", "--port", FAKE_TELEGRAM_PORT])
        extra.append([*CONCORD, "runbot"])  # long polling, as behind NAT
    if not env.get("WHATSAPP_TOKEN"):
        env.update(FAKE_WHATSAPP)
        env["WHATSAPP_API_BASE_URL"] = f"http://127.0.0.1:{FAKE_WHATSAPP_PORT}/v21.0"
        webhook = f"http://127.0.0.1:{port}/hooks/whatsapp/"
        extra.append(
            [*CONCORD, "fake_whatsapp", "--port", FAKE_WHATSAPP_PORT, "--webhook", webhook]
        )
    if not env.get("EMAIL_HOST"):
        env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        env.setdefault("EMAIL_FILE_PATH", os.path.join("var", "mail"))
    return env, extra


def start(port: str, env: dict[str, str], extra: list[list[str]]) -> list[subprocess.Popen[bytes]]:
    fakes = [subprocess.Popen(command, env=env) for command in extra if "runbot" not in command]
    time.sleep(1.0 if fakes else 0)  # let the fakes listen before anyone calls them
    web = subprocess.Popen([*CONCORD, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env)
    worker = subprocess.Popen([*CONCORD, "worker"], env=env)
    pollers = [subprocess.Popen(command, env=env) for command in extra if "runbot" in command]
    return [*fakes, web, worker, *pollers]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env, extra = channels_env(port)
    prepare(env)
    processes = start(port, env, extra)
    print(f"\nConcord is running on http://127.0.0.1:{port}/  (Ctrl-C stops it)", flush=True)
    if any("fake_telegram" in command for command in extra):
        print(
            f"Telegram and WhatsApp run against local fakes: see what they received at "
            f"http://127.0.0.1:{FAKE_TELEGRAM_PORT}/_fake/ and "
            f"http://127.0.0.1:{FAKE_WHATSAPP_PORT}/_fake/sent\n",
            flush=True,
        )
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(processes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
