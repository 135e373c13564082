"""Exit 0 when Concord's /healthz answers 200, else 1; prints the answer.

For container health checks (deploy/compose.yaml) and simple monitoring:

    python deploy/healthcheck.py [URL]

URL defaults to http://127.0.0.1:$PORT/healthz. Standard library only, so it runs with any
Python 3 on the machine.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def host_header() -> str:
    """A name Django accepts: production mode rejects any Host not in ALLOWED_HOSTS."""
    first = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip()
    # ".example.org" allows example.org and its subdomains; "*" allows anything.
    name = first.lstrip(".")
    return name if name and name != "*" else "localhost"


def probe(url: str, timeout: float = 5.0) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host_header()})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:  # 503 still carries the JSON that says why
        return error.code, error.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError) as error:
        return 0, f"unreachable: {error}"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    status, body = probe(url)
    print(status, body.strip())
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
