from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from openpyxl import Workbook

from concord.accounts.models import AuditEntry
from concord.directory import services
from concord.directory.importing import ImportResult, import_run
from concord.directory.importing.readers import csv_decode, csv_delimiter, table_read
from concord.directory.models import Consent, EthnicAffiliation, Membership, Organisation, Person
from concord.regions.models import Region
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"

PEOPLE_HEADER = {
    "last_name": "Last name",
    "first_name": "First name",
    "region": "Region",
    "city": "City",
    "organisation": "Organisation",
    "position": "Position",
    "roles": "Roles",
    "phone": "Phone",
    "telegram": "Telegram",
    "email": "Email",
    "consents": "Consents",
    "consent_date": "Consent date",
    "ethnicity": "Ethnic affiliation",
}
ORGANISATION_HEADER = {
    "name": "Name",
    "kind": "Kind",
    "region": "Region",
    "city": "City",
    "communities": "Communities served",
    "serves": "Serves",
    "phone": "Phone",
    "email": "Email",
}


@pytest.fixture(autouse=True)
def _english() -> Any:
    # Problem texts are checked in English, the source language.
    with translation.override("en"):
        yield


@pytest.fixture
def tatarstan() -> Region:
    region = RegionFactory.create(code="RU-TA", name_ru="Республика Татарстан", name_en="Tatarstan")
    CityFactory.create(region=region, name_ru="Казань", name_en="Kazan")
    return region


@pytest.fixture
def bashkortostan() -> Region:
    return RegionFactory.create(
        code="RU-BA", name_ru="Республика Башкортостан", name_en="Bashkortostan"
    )


@pytest.fixture
def tatars() -> Any:
    return EthnicCommunityFactory.create(slug="tatars", name_ru="Татары", name_en="Tatars")


@pytest.fixture
def autonomy(tatarstan: Region) -> Organisation:
    return OrganisationFactory.create(name="Татарская автономия Казани", region=tatarstan)


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rows_of(header: dict[str, str], *records: dict[str, str]) -> list[list[str]]:
    return [list(header.values())] + [[r.get(key, "") for key in header] for r in records]


def person(**values: str) -> dict[str, str]:
    return {"last_name": "Хабибуллин", "first_name": "Ринат", "region": "RU-TA"} | values


def run_people(*records: dict[str, str], **kwargs: Any) -> ImportResult:
    data = csv_bytes(rows_of(PEOPLE_HEADER, *records))
    return import_run(kind="people", data=data, filename="people.csv", **kwargs)


def run_organisations(*records: dict[str, str], **kwargs: Any) -> ImportResult:
    data = csv_bytes(rows_of(ORGANISATION_HEADER, *records))
    return import_run(kind="organisations", data=data, filename="orgs.csv", **kwargs)


def lines(result: ImportResult) -> list[str]:
    return [str(problem) for problem in result.problems]


# --- Organisations ------------------------------------------------------------------------------


def test_organisations_import(tatarstan: Region, tatars: Any) -> None:
    result = run_organisations(
        {
            "name": "Татарская автономия",
            "kind": "ethnic NGO",
            "region": "Республика Татарстан",
            "city": "Kazan",
            "communities": "tatars",
            "serves": "both",
            "phone": "8 843 123-45-67",
            "email": "Info@Tatar.ru",
        },
        {"name": "Дом дружбы", "kind": "host", "region": "ru-ta"},
    )
    assert result.ok, lines(result)
    assert (result.rows, result.created) == (2, 2)
    autonomy = Organisation.objects.get(name="Татарская автономия")
    assert autonomy.kind == Organisation.Kind.ETHNIC_NGO
    assert autonomy.city is not None and autonomy.city.name_en == "Kazan"
    assert list(autonomy.communities.all()) == [tatars]
    assert (autonomy.phone, autonomy.email) == ("+78431234567", "info@tatar.ru")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert entry.detail == {"kind": "organisations", "created": 2, "file": "orgs.csv"} | {
        "source": "web"
    }


def test_organisations_duplicate_names(tatarstan: Region, autonomy: Organisation) -> None:
    result = run_organisations(
        {"name": "Дом дружбы", "kind": "host", "region": "RU-TA"},
        {"name": "дом  ДРУЖБЫ", "kind": "host", "region": "RU-TA"},
        {"name": "татарская автономия казани", "kind": "host", "region": "RU-TA"},
    )
    assert lines(result) == [
        "row 3, column Name: the same name and region as row 2",
        "row 4, column Name: Tatarstan already has the organisation “Татарская автономия Казани”",
    ]
    assert Organisation.objects.count() == 1


def test_organisations_bad_choice_and_unknown_community(tatarstan: Region, tatars: Any) -> None:
    result = run_organisations(
        {"name": "A", "kind": "club", "region": "RU-TA", "communities": "tatar"},
    )
    assert lines(result)[0].startswith(
        "row 2, column Kind: “club” is not one of: ethnic_ngo (ethnic NGO); "
    )
    assert lines(result)[1] == (
        "row 2, column Communities served: unknown community “tatar”; did you mean “Tatars”?"
    )


# --- People: validators -------------------------------------------------------------------------


def test_people_import(tatarstan: Region, autonomy: Organisation, tatars: Any) -> None:
    second = OrganisationFactory.create(name="Дом дружбы, Казань", region=tatarstan)
    result = run_people(
        person(
            city="Казань",
            organisation="татарская автономия казани; Дом дружбы, Казань",
            position="председатель; ",
            roles="leader, trainer or expert",
            phone="8 916 123-45-67",
            telegram="https://t.me/rinat_kh",
            email="Rinat@Example.org",
            consents="directory, ethnicity",
            consent_date="31.03.2024",
            ethnicity="Татары",
        ),
    )
    assert result.ok, lines(result)
    rinat = Person.objects.get()
    assert (rinat.phone, rinat.telegram_username, rinat.email) == (
        "+79161234567",
        "rinat_kh",
        "rinat@example.org",
    )
    assert sorted(rinat.roles.values_list("role", flat=True)) == ["leader", "trainer"]
    assert set(Membership.objects.values_list("organisation", "position")) == {
        (autonomy.pk, "председатель"),
        (second.pk, ""),
    }
    consents = Consent.objects.filter(person=rinat)
    assert {c.purpose for c in consents} == {"directory", "ethnicity"}
    assert {timezone.localtime(c.given_at).date() for c in consents} == {date(2024, 3, 31)}
    assert {c.method for c in consents} == {Consent.Method.IMPORT}
    assert EthnicAffiliation.objects.get().community == tatars
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EDIT_ETHNICITY).count() == 1


def test_bad_phone_and_email(tatarstan: Region) -> None:
    result = run_people(person(phone="8 916 12", email="rinat@"))
    assert lines(result) == [
        "row 2, column Phone: “8 916 12” is not a valid phone number. Write it with the country "
        "code, for example +7 916 123-45-67.",
        "row 2, column Email: “rinat@” is not a valid email address.",
    ]


def test_unknown_region_with_suggestion(tatarstan: Region) -> None:
    result = run_people(person(region="Татарстн"))
    [line] = lines(result)
    assert line.startswith("row 2, column Region: unknown region “Татарстн”; did you mean")
    assert "(RU-TA)" in line


def test_unknown_city_with_suggestion(tatarstan: Region) -> None:
    [line] = lines(run_people(person(city="Казнь")))
    assert line == "row 2, column City: no city “Казнь” in Tatarstan; did you mean “Казань”?"


def test_missing_required_values(tatarstan: Region) -> None:
    result = run_people(person(last_name="", region=""))
    assert lines(result) == [
        "row 2, column Last name: required, but empty",
        "row 2, column Region: required, but empty",
    ]


def test_missing_required_column_and_unknown_column(tatarstan: Region) -> None:
    data = csv_bytes([["Фамилия", "Регион", "Телефонн"], ["Иванов", "RU-TA", "89161234567"]])
    result = import_run(kind="people", data=data, filename="people.csv")
    assert lines(result) == [
        "row 1, column Телефонн: unknown column; did you mean “Phone”?",
        "row 1, column First name: required column is missing",
    ]


def test_unknown_organisation_with_suggestion(tatarstan: Region, autonomy: Organisation) -> None:
    [line] = lines(run_people(person(organisation="Татарская автономия Казан")))
    assert line == (
        "row 2, column Organisation: no organisation “Татарская автономия Казан” in Tatarstan; "
        "did you mean “Татарская автономия Казани”?"
    )


def test_organisation_of_another_region_is_not_found(
    bashkortostan: Region, autonomy: Organisation
) -> None:
    [line] = lines(run_people(person(region="RU-BA", organisation=autonomy.name)))
    assert "import the organisations first" in line


def test_duplicates_within_the_file(tatarstan: Region) -> None:
    result = run_people(
        person(phone="89161234567", email="a@example.org", telegram="@first_one"),
        person(phone="+7 916 123-45-67", email="b@example.org", telegram="second_one"),
        person(phone="89161234500", email="A@Example.org", telegram="FIRST_ONE"),
    )
    assert lines(result) == [
        "row 3, column Phone: the same as in row 2",
        "row 4, column Telegram: the same as in row 2",
        "row 4, column Email: the same as in row 2",
    ]
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("field", "existing", "cell", "column"),
    [
        ("phone", "+79161234567", {"phone": "8 (916) 123-45-67"}, "Phone"),
        ("email", "Rinat@Example.org", {"email": "rinat@example.ORG"}, "Email"),
        ("telegram_username", "Rinat_KH", {"telegram": "@rinat_kh"}, "Telegram"),
    ],
)
def test_duplicates_against_the_directory(
    tatarstan: Region, field: str, existing: str, cell: dict[str, str], column: str
) -> None:
    other = PersonFactory.create(region=tatarstan, **{field: existing})
    [line] = lines(run_people(person(**cell)))
    assert line.startswith(f"row 2, column {column}: {other.full_name} (Tatarstan) already has")


def test_ethnicity_needs_consent_in_the_row(tatarstan: Region, tatars: Any) -> None:
    [line] = lines(run_people(person(consents="directory", ethnicity="tatars")))
    assert line.startswith("row 2, column Ethnic affiliation: ethnic affiliation is stored only")
    assert not EthnicAffiliation.objects.exists()


def test_consent_date_in_the_future(tatarstan: Region) -> None:
    [line] = lines(run_people(person(consents="directory", consent_date="2999-01-01")))
    assert line == "row 2, column Consent date: a consent cannot be given in the future"


def test_file_problems() -> None:
    assert lines(import_run(kind="people", data=b"", filename="a.csv")) == ["The file is empty."]
    old_excel = b"\xd0\xcf\x11\xe0" + b"\x00" * 100
    [line] = lines(import_run(kind="people", data=old_excel, filename="a.xls"))
    assert "old Excel file" in line
    header_only = csv_bytes([list(PEOPLE_HEADER.values())])
    [line] = lines(import_run(kind="people", data=header_only, filename="a.csv"))
    assert "no data rows" in line


# --- All or nothing -----------------------------------------------------------------------------


def test_one_bad_row_writes_nothing(tatarstan: Region) -> None:
    result = run_people(
        person(phone="89161234567"),
        person(phone="not a phone"),
        person(phone="89161234568"),
    )
    assert [p.row for p in result.problems] == [3]
    assert result.created == 0
    assert not Person.objects.exists()
    assert not AuditEntry.objects.exists()


def test_dry_run_writes_nothing(tatarstan: Region) -> None:
    result = run_people(person(phone="89161234567", consents="directory"), dry_run=True)
    assert result.ok and result.dry_run and result.rows == 1 and result.created == 0
    assert not Person.objects.exists()
    assert not Consent.objects.exists()


def test_failure_while_writing_rolls_back(
    tatarstan: Region, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_create = services.person_create
    calls = []

    def flaky_create(**kwargs: Any) -> Person:
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError({"phone": "Someone else took this phone a moment ago."})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "person_create", flaky_create)
    result = run_people(
        person(phone="89161234567", consents="directory"), person(phone="89161234568")
    )
    assert lines(result) == [
        "row 3: Someone else took this phone a moment ago. Nothing was imported."
    ]
    assert not Person.objects.exists()
    assert not Consent.objects.exists()


# --- File formats -------------------------------------------------------------------------------


def test_cp1251_with_semicolons_and_russian_headers(tatarstan: Region) -> None:
    data = (DATA / "people_cp1251.csv").read_bytes()
    assert csv_delimiter(csv_decode(data)) == ";"
    result = import_run(kind="people", data=data, filename="people_cp1251.csv")
    assert result.ok, lines(result)
    assert sorted(Person.objects.values_list("last_name", "phone")) == [
        ("Ёлкина", "+79161234501"),
        ("Хабибуллин", "+79161234500"),
    ]
    assert Person.objects.get(last_name="Ёлкина").city is not None


def test_utf8_bom_with_tabs(tatarstan: Region) -> None:
    text = "Фамилия\tИмя\tРегион\tТелефон\r\nИванов\tИван\tRU-TA\t89161234567\r\n"
    result = import_run(kind="people", data=text.encode("utf-8-sig"), filename="p.txt")
    assert result.ok, lines(result)
    assert Person.objects.get().last_name == "Иванов"


def test_xlsx_with_numbers_and_dates(tatarstan: Region) -> None:
    data = xlsx_bytes(
        [
            [None],
            ["Фамилия", "Имя", "Регион", "Телефон", "Цифровые навыки", "Согласия", "Дата согласия"],
            ["Иванов", "Иван", "RU-TA", 79161234567, 1, "directory", datetime(2024, 3, 31)],
            [None, None, None],
            ["Петров", "Пётр", "RU-TA", "8 916 000 00 00", 3.0, "", None],
        ]
    )
    result = import_run(kind="people", data=data, filename="people.xlsx")
    assert result.ok, lines(result)
    ivanov = Person.objects.get(last_name="Иванов")
    assert (ivanov.phone, ivanov.digital_skill) == ("+79161234567", 1)
    consent = Consent.objects.get(person=ivanov)
    assert timezone.localtime(consent.given_at).date() == date(2024, 3, 31)


def test_xlsx_problems_name_spreadsheet_rows(tatarstan: Region) -> None:
    data = xlsx_bytes(
        [
            ["Фамилия", "Имя", "Регион", "Телефон"],
            ["Иванов", "Иван", "RU-TA", "89161234567"],
            [None],
            ["Петров", "Пётр", "RU-TA", "12"],
        ]
    )
    result = import_run(kind="people", data=data, filename="people.xlsx")
    assert [(p.row, p.column) for p in result.problems] == [(4, "Телефон")]


def test_multiline_csv_cell_keeps_row_numbers() -> None:
    data = csv_bytes([["Name", "Address"], ["A", "line 1\nline 2"], ["B", "x"]])
    table = table_read(data=data, filename="a.csv")
    assert [number for number, _cells in table.rows] == [2, 3]


def test_damaged_xlsx() -> None:
    [line] = lines(import_run(kind="people", data=b"PK\x03\x04garbage", filename="a.xlsx"))
    assert "not a valid Excel workbook" in line


# --- Commands -----------------------------------------------------------------------------------


def _write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def test_command_success_and_dry_run(
    tatarstan: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, rows_of(PEOPLE_HEADER, person(phone="89161234567")))
    call_command("import_people", str(path), "--dry-run")
    assert "1 row checked, no problems found" in capsys.readouterr().out
    assert not Person.objects.exists()
    call_command("import_people", str(path))
    assert "Imported 1 of 1 rows." in capsys.readouterr().out
    assert Person.objects.count() == 1
    assert AuditEntry.objects.get(action="import").detail["source"] == "command"


def test_command_reports_problems_and_exits_1(
    tatarstan: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, rows_of(PEOPLE_HEADER, person(phone="12"), person(region="Татарстн")))
    with pytest.raises(CommandError) as error:
        call_command("import_people", str(path))
    assert error.value.returncode == 1
    assert "2 problems found; nothing was written." in str(error.value)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("row 2, column Phone: ")
    assert err[1].startswith("row 3, column Region: unknown region “Татарстн”; did you mean")
    assert not Person.objects.exists()


def test_command_line_exit_code(
    tatarstan: Region, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from concord.manage import main

    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(rows_of(ORGANISATION_HEADER, {"name": "A", "region": "RU-TA"})))
    with pytest.MonkeyPatch.context() as patch:
        argv = ["concord", "import_organisations", str(path), "--skip-checks"]
        patch.setattr("sys.argv", argv)
        # The command line closes every connection when done; the test's transaction needs it.
        patch.setattr("django.core.management.base.connections.close_all", lambda: None)
        with pytest.raises(SystemExit) as exit_info:
            main()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "row 2, column Kind: required, but empty" in err
    assert "1 problem found; nothing was written." in err


def test_command_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_people", str(tmp_path / "nope.csv"))


def test_values_without_a_header(tatarstan: Region) -> None:
    data = csv_bytes([["Name", "Kind", "Region"], ["A", "host", "RU-TA", "lost value"]])
    result = import_run(kind="organisations", data=data, filename="orgs.csv")
    assert lines(result) == ["row 1, column D: no header"]


def test_positions_need_organisations(tatarstan: Region, autonomy: Organisation) -> None:
    [line] = lines(run_people(person(position="председатель")))
    assert line == "row 2, column Position: a position is given, but no organisation"
    [line] = lines(run_people(person(organisation=autonomy.name, position="a; b")))
    assert line.startswith("row 2, column Position: more positions than organisations")
