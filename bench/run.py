"""One benchmark database, in its own process: `python -m bench.run --out results.json …`.

`bench.__main__` starts this with DATABASE_URL pointing at the benchmark database, so the
Django settings are the project's own, unchanged. With --generate the database is empty and
gets migrated, the RU country pack and the generated directory; otherwise it is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--people", type=int, required=True)
    parser.add_argument("--organisations", type=int, required=True)
    parser.add_argument("--generate", action="store_true", help="Fill an empty database first.")
    parser.add_argument("--cache-key", default="", help="Stored once the data are generated.")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def prepare(args: argparse.Namespace) -> float:
    """Migrate, load RU and generate the data; returns the seconds it took."""
    from django.core.management import call_command

    from bench.cache import store_key
    from bench.generate import Size, generate

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_country", "RU", verbosity=0)
    generate(Size(people=args.people, organisations=args.organisations))
    store_key(args.cache_key)
    return time.monotonic() - started


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.measure import measure_all

    generate_seconds = prepare(args) if args.generate else 0.0
    results = measure_all(args.requests, args.warmup)
    args.out.write_text(
        json.dumps(
            {
                "vendor": connection.vendor,
                "people": args.people,
                "organisations": args.organisations,
                "generate_seconds": generate_seconds,
                "results": [result.as_dict() for result in results],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
