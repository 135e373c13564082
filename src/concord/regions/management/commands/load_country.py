"""`concord load_country RU [--min-population N]`: load or refresh a country pack."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from concord.regions.services import (
    DEFAULT_MIN_POPULATION,
    LoadReport,
    RowCounts,
    UnknownCountryError,
    country_load,
)


class Command(BaseCommand):
    help = "Load a country's regions, federal districts and cities from pycountry and GeoNames."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="ISO 3166-1 alpha-2 country code, such as RU or KZ.")
        parser.add_argument(
            "--min-population",
            type=int,
            default=DEFAULT_MIN_POPULATION,
            help=f"Load cities of at least this many people (default {DEFAULT_MIN_POPULATION}); "
            "administrative centres are always loaded.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            report = country_load(code=options["code"], min_population=options["min_population"])
        except UnknownCountryError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            self._print(report, time.monotonic() - started)

    def _print(self, report: LoadReport, seconds: float) -> None:
        self.stdout.write(
            _("%(country)s (%(code)s) loaded in %(seconds).1f s.")
            % {"country": report.country_name, "code": report.country_code, "seconds": seconds}
        )
        for label, counts in (
            (_("Federal districts"), report.districts),
            (_("Regions"), report.regions),
            (_("Cities"), report.cities),
        ):
            if counts.total:  # most countries have no federal districts
                self.stdout.write(f"  {label}: {_counts(counts)}")
        if report.unmatched_admin1:
            self.stdout.write(
                self.style.WARNING(
                    _("GeoNames admin1 codes without a region (their cities were skipped): %s")
                    % ", ".join(report.unmatched_admin1)
                )
            )
        if report.regions_without_cities:
            self.stdout.write(
                self.style.WARNING(
                    _("Regions without cities (given the time zone of the national capital): %s")
                    % ", ".join(report.regions_without_cities)
                )
            )


def _counts(counts: RowCounts) -> str:
    return _("%(total)d (%(created)d created, %(updated)d updated, %(unchanged)d unchanged)") % {
        "total": counts.total,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
    }
