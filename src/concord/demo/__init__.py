"""The demo network that `concord demo` builds and `make run` loads into an empty database.

`DEMO_LOGINS` is importable before Django is set up; the builder lives in `concord.demo.network`.
"""

from concord.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoLogin"]
