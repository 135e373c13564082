"""The demo logins, one per role; importable before Django is set up (`make run` prints them)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "concord-demo"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str  # a value of `accounts.User.Role`
    description: str
    password: str = DEMO_PASSWORD


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "coordinator@demo.concord",
        "coordinator",
        "national coordinator, superuser (Django admin works)",
    ),
    DemoLogin(
        "regional@demo.concord",
        "regional_coordinator",
        "regional coordinator for Yaroslavl and Samara oblasts",
    ),
    DemoLogin("ngo@demo.concord", "ngo_member", "leader of an NGO in Kazan (Tatarstan)"),
    DemoLogin("police@demo.concord", "police_liaison", "police liaison in Yaroslavl"),
    DemoLogin("official@demo.concord", "official", "official of the authorities in Samara"),
    DemoLogin("monitor@demo.concord", "monitor", "external monitor: aggregates only"),
)
