from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.demo.logins import DEMO_LOGINS
from concord.demo.network import DemoAlreadyBuilt, DemoReport, demo_network_build
from concord.directory.models import Person


class Command(BaseCommand):
    help = (
        "Build the demo network: NGOs in 30 regions, police and officials in the host cities, "
        "about 400 people and one login per role. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2019, help="Same seed, same network.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the directory already has people (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Person.objects.exists():
            self.stdout.write("The directory has people already; demo network not built.")
            return
        try:
            report = demo_network_build(seed=options["seed"])
        except DemoAlreadyBuilt as error:
            raise CommandError(f"{error} Use a fresh database.") from error
        self._summary(report)

    def _summary(self, report: DemoReport) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network built in {report.seconds:.1f} s (seed {report.seed}): "
                f"{report.people} people, NGOs in {report.regions_with_ngos} regions."
            )
        )
        for kind, count in report.organisations.items():
            self.stdout.write(f"  organisations {kind:<12} {count:>4}")
        for role, count in report.roles.items():
            self.stdout.write(f"  role {role:<21} {count:>4}")
        self.stdout.write("Demo logins (password for all: concord-demo):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<26} {login.description}")
