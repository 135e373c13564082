"""The printed table of `make bench`, and a JSON copy under bench/results/ (not in git)."""

from __future__ import annotations

import argparse
import json
import math

from bench.cache import ROOT

TARGET_P95_MS = 50.0
RESULTS_DIR = ROOT / "bench" / "results"
HEADER = (
    f"{'user':<12} {'case':<34} {'median ms':>9} {'p95 ms':>8} {'p95/50ms':>8} "
    f"{'queries':>7} {'@small':>6} {'same':>4}"
)


def _row(result: dict, small_queries: int | None) -> tuple[str, bool, bool]:
    """One table line; also whether it is over the limit and whether the counts match."""
    p95 = result["p95_ms"]
    same = small_queries == result["queries"]
    over = not math.isnan(p95) and p95 > TARGET_P95_MS
    if result["status"] != 200:
        timing = f"{'HTTP ' + str(result['status']):>9} {'-':>8} {'-':>8}"
    else:
        ratio = p95 / TARGET_P95_MS
        timing = f"{result['median_ms']:>9.1f} {p95:>8.1f} {ratio:>8.2f}"
    small = "-" if small_queries is None else str(small_queries)
    line = (
        f"{result['user']:<12} {result['case']:<34} {timing} "
        f"{result['queries']:>7} {small:>6} {'yes' if same else 'NO':>4}"
    )
    return line + ("  OVER LIMIT" if over else ""), over, same


def print_report(
    backend: str, large: dict | None, small: dict | None, args: argparse.Namespace
) -> None:
    if large is None:
        print(f"{backend}: no results.\n")
        return
    print(
        f"{backend}: {large['people']:,} people, {large['organisations']:,} organisations; "
        f"{args.requests} timed requests per case after {args.warmup} warm-up"
        + (
            f"; data generated in {large['generate_seconds']:.0f} s"
            if large["generate_seconds"]
            else ""
        )
    )
    small_counts = {
        (r["user"], r["case"]): r["queries"] for r in (small["results"] if small else [])
    }
    print(HEADER)
    over_limit, differing = 0, 0
    for result in large["results"]:
        line, over, same = _row(result, small_counts.get((result["user"], result["case"])))
        over_limit += over
        differing += not same
        print(line)
    people = small["people"] if small else 0
    print(
        f"p95 target {TARGET_P95_MS:.0f} ms: {over_limit} case(s) OVER LIMIT. "
        f"Queries per page with {large['people']:,} vs {people:,} people: "
        + ("all equal." if not differing else f"{differing} case(s) differ.")
        + "\n"
    )
    _save(backend, large, small)


def _save(backend: str, large: dict, small: dict | None) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"latest-{backend}.json"
    path.write_text(json.dumps({"large": large, "small": small}, ensure_ascii=False, indent=1))
