"""`make run`: migrate, load the demo network when the database is empty, then run the web
server and one worker together until Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

CONCORD = [sys.executable, "-m", "concord.manage"]


def prepare() -> None:
    subprocess.run([*CONCORD, "migrate", "--no-input", "-v", "0"], check=True)
    subprocess.run([*CONCORD, "demo", "--if-empty"], check=True)


def start(port: str) -> list[subprocess.Popen[bytes]]:
    web = subprocess.Popen([*CONCORD, "runserver", f"127.0.0.1:{port}", "--noreload"])
    worker = subprocess.Popen([*CONCORD, "worker"])
    return [web, worker]


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
    prepare()
    processes = start(port)
    print(f"\nConcord is running on http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True)
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
