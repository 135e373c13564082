from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from concord.regions.management.commands.load_country import Command
from concord.regions.models import Region
from concord.regions.tests.conftest import TEST_MIN_POPULATION

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("load_country", *args, stdout=out)
    return out.getvalue()


def test_load_country_prints_a_short_report() -> None:
    first = _run("RU", "--min-population", str(TEST_MIN_POPULATION))
    assert "(RU)" in first
    assert "83 (83 created, 0 updated, 0 unchanged)" in first
    assert "8 (8 created, 0 updated, 0 unchanged)" in first

    second = _run("ru", f"--min-population={TEST_MIN_POPULATION}")
    assert "83 (0 created, 0 updated, 83 unchanged)" in second
    assert Region.objects.filter(country__code="RU").count() == 83


def test_load_country_is_quiet_at_verbosity_zero() -> None:
    out = StringIO()
    call_command("load_country", "KZ", "--min-population", "500000", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert Region.objects.filter(country__code="KZ").count() == 20


@pytest.mark.parametrize("code", ["XX", "Russia"])
def test_load_country_rejects_an_unknown_code(code: str) -> None:
    with pytest.raises(CommandError, match=code):
        _run(code)


def test_an_unknown_code_exits_with_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    # As from a shell: CommandError becomes a message on stderr and exit status 1.
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["concord", "load_country", "XX", "--skip-checks"])
    assert exit_info.value.code == 1
    assert "Unknown country code" in capsys.readouterr().err
