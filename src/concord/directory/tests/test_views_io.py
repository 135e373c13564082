from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from concord.accounts.models import AuditEntry, User
from concord.directory import services
from concord.directory.models import Consent, Organisation, Person
from concord.regions.models import Region
from concord.testing.factories import (
    EthnicCommunityFactory,
    OrganisationFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
IMPORT_URL = "/directory/import/"
EXPORT_URL = "/directory/export/"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Pages are requested in English, the source language, so texts can be checked.
    with translation.override("en"):
        yield


@pytest.fixture
def tatarstan() -> Region:
    return RegionFactory.create(code="RU-TA", name_ru="Республика Татарстан", name_en="Tatarstan")


def client_for(role: str | None, **extra: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role is not None:
        client.force_login(UserFactory.create(role=role, **extra))
    return client


def upload(text: str, name: str = "orgs.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


GOOD_ORGS = "Name,Kind,Region\nДом дружбы,host,RU-TA\nТатарская автономия,ethnic_ngo,RU-TA\n"
BAD_ORGS = "Name,Kind,Region\nДом дружбы,host,RU-TA\nТатарская автономия,club,Татарстн\n"


def test_urls() -> None:
    assert reverse("directory:import") == IMPORT_URL
    assert reverse("directory:export") == EXPORT_URL


# --- Import -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        None,
        User.Role.NGO_MEMBER,
        User.Role.REGIONAL_COORDINATOR,
        User.Role.MONITOR,
        User.Role.POLICE_LIAISON,
    ],
)
def test_import_is_for_coordinators_only(role: str | None, tatarstan: Region) -> None:
    client = client_for(role)
    assert client.get(IMPORT_URL).status_code == 404
    response = client.post(IMPORT_URL, {"kind": "organisations", "file": upload(GOOD_ORGS)})
    assert response.status_code == 404
    assert not Organisation.objects.exists()


def test_import_page(tatarstan: Region) -> None:
    response = client_for(User.Role.COORDINATOR).get(IMPORT_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'value="check"' in page and 'value="import"' in page
    assert "Фамилия" in page and "Last name" in page  # the column tables


def test_import_check_only_writes_nothing(tatarstan: Region) -> None:
    client = client_for(User.Role.COORDINATOR)
    response = client.post(
        IMPORT_URL, {"kind": "organisations", "file": upload(GOOD_ORGS), "action": "check"}
    )
    assert response.status_code == 200
    assert "2 rows checked: no problems found" in response.content.decode()
    assert not Organisation.objects.exists()


def test_import_without_a_button_only_checks(tatarstan: Region) -> None:
    client = client_for(User.Role.COORDINATOR)
    client.post(IMPORT_URL, {"kind": "organisations", "file": upload(GOOD_ORGS)})
    assert not Organisation.objects.exists()


def test_import_writes(tatarstan: Region) -> None:
    client = client_for(User.Role.COORDINATOR)
    response = client.post(
        IMPORT_URL, {"kind": "organisations", "file": upload(GOOD_ORGS), "action": "import"}
    )
    assert "2 organisations imported" in response.content.decode()
    assert Organisation.objects.count() == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert entry.actor is not None and entry.actor.role == User.Role.COORDINATOR


def test_import_shows_problems_and_writes_nothing(tatarstan: Region) -> None:
    client = client_for(User.Role.COORDINATOR)
    response = client.post(
        IMPORT_URL, {"kind": "organisations", "file": upload(BAD_ORGS), "action": "import"}
    )
    page = response.content.decode()
    assert "2 problems in orgs.csv" in page
    assert "Nothing was written" in page
    assert "unknown region “Татарстн”; did you mean" in page
    assert '<table class="table">' in page
    assert not Organisation.objects.exists()


def test_import_people_with_ethnicity_is_attributed_to_the_coordinator(
    tatarstan: Region,
) -> None:
    EthnicCommunityFactory.create(slug="tatars", name_ru="Татары", name_en="Tatars")
    text = (
        "Фамилия,Имя,Регион,Согласия,Этническая принадлежность\n"
        "Иванов,Иван,RU-TA,ethnicity,tatars\n"
    )
    client = client_for(User.Role.COORDINATOR)
    client.post(IMPORT_URL, {"kind": "people", "file": upload(text, "p.csv"), "action": "import"})
    person = Person.objects.get()
    consent = Consent.objects.get(person=person)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EDIT_ETHNICITY)
    assert consent.recorded_by == entry.actor
    assert entry.actor is not None and entry.actor.role == User.Role.COORDINATOR


def test_import_form_errors(tatarstan: Region) -> None:
    client = client_for(User.Role.COORDINATOR)
    response = client.post(IMPORT_URL, {"kind": "organisations", "file": upload("x", "a.pdf")})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = client.post(IMPORT_URL, {"file": upload(GOOD_ORGS)})
    assert "errorlist" in response.content.decode()


# --- Export -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, User.Role.MONITOR])
def test_export_is_not_for_those_without_personal_data(role: str | None) -> None:
    client = client_for(role)
    assert client.get(EXPORT_URL).status_code == 404
    assert client.get(EXPORT_URL, {"kind": "people", "fmt": "csv"}).status_code == 404


def test_export_page_shows_ethnicity_checkbox_to_coordinators_only(tatarstan: Region) -> None:
    coordinator_page = client_for(User.Role.COORDINATOR).get(EXPORT_URL).content.decode()
    assert 'name="include_ethnicity"' in coordinator_page
    member = client_for(User.Role.NGO_MEMBER, person=PersonFactory.create(region=tatarstan))
    response = member.get(EXPORT_URL)
    assert response.status_code == 200
    assert 'name="include_ethnicity"' not in response.content.decode()


def test_export_download(tatarstan: Region) -> None:
    PersonFactory.create(region=tatarstan)
    response = client_for(User.Role.COORDINATOR).get(EXPORT_URL, {"kind": "people", "fmt": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].startswith('attachment; filename="concord-people-')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.max_row == 2
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.path.startswith(EXPORT_URL) and entry.detail["rows"] == 1


def test_export_with_ethnicity(tatarstan: Region) -> None:
    person = PersonFactory.create(region=tatarstan)
    services.consent_record(person=person, purpose="ethnicity", method="paper", recorded_by=None)
    community = EthnicCommunityFactory.create(name_en="Tatars")
    services.ethnic_affiliation_set(person=person, communities=[community], by=None)
    response = client_for(User.Role.COORDINATOR).get(
        EXPORT_URL, {"kind": "people", "fmt": "csv", "include_ethnicity": "on"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("Ethnic affiliation")] == "Tatars"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT_ETHNICITY).count() == 1


def test_export_ethnicity_refused_and_logged_for_non_coordinators(tatarstan: Region) -> None:
    member = client_for(User.Role.NGO_MEMBER, person=PersonFactory.create(region=tatarstan))
    response = member.get(EXPORT_URL, {"kind": "people", "fmt": "csv", "include_ethnicity": "on"})
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DENIED).exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_export_from_the_search_page_link(tatarstan: Region) -> None:
    """The search page's Export link carries its filters to the export page."""
    OrganisationFactory.create(region=tatarstan, kind="police", name="Полиция")
    OrganisationFactory.create(region=tatarstan, kind="host", name="Дом дружбы")
    client = client_for(User.Role.COORDINATOR)
    search = client.get(
        reverse("directory:search"), {"tab": "organisations", "region": "RU-TA", "kind": "police"}
    )
    link = EXPORT_URL + "?" + search.context["export_query"]
    assert link in search.content.decode().replace("&amp;", "&")
    page = client.get(link)
    assert page.status_code == 200
    assert 'value="RU-TA" selected' in page.content.decode()
    response = client.get(link + "&fmt=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Полиция"]


def test_export_invalid_choice_shows_the_form(tatarstan: Region) -> None:
    response = client_for(User.Role.COORDINATOR).get(EXPORT_URL, {"kind": "people", "fmt": "pdf"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
