"""`make bench`: directory performance on a generated large directory (docs/benchmarks.md)."""
