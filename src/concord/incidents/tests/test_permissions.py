"""Who sees what of a case on the web: every role against every part of the case page, and
the audit log of every view and every refusal (docs/incidents.md, "Privacy")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from concord.accounts.models import AuditEntry, User
from concord.directory.models import Person
from concord.incidents.models import Case, CircleMember, Report, Source
from concord.incidents.services import AttachmentDraft, ReportDraft, report_submit
from concord.regions.models import City
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = User.Role
SECRET_ADDRESS = "ул. Тайная, 7"
LATITUDE = "55.12345"
TEXT = "Драка у рынка, кричат угрозы"
NAMED_TEXT = "Разбили окна в культурном центре"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Every test makes several users; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    hidden_case: Case  # the reporter did not agree to be named to police and officials
    named_case: Case  # they did
    reporter: Person
    users: dict[str, User | None]


def _person(region: object, last_name: str) -> Person:
    return PersonFactory.create(region=region, last_name=last_name)


def _user(role: str, person: Person | None = None) -> User:
    return UserFactory.create(role=role, person=person)


def _submit(reporter: Person, city: City, **fields: object) -> Report:
    draft = ReportDraft(region=city.region, city=city, **fields)  # type: ignore[arg-type]
    return report_submit(draft=draft, source=Source.WEB, reporter=reporter)


def build_world(media_root: object) -> World:
    home, away = RegionFactory.create(), RegionFactory.create()
    reporter = _person(home, "Докладчикова")
    alerted = _person(home, "Оповещённый")
    police_circle = _person(home, "Участковый")
    CircleMember.objects.create(region=home, person=alerted, part="community_leader")
    CircleMember.objects.create(region=home, person=police_circle, part="police")
    regional_in, regional_out = _user(Role.REGIONAL_COORDINATOR), _user(Role.REGIONAL_COORDINATOR)
    regional_in.regions.add(home)
    regional_out.regions.add(away)
    users: dict[str, User | None] = {
        "coordinator": _user(Role.COORDINATOR, _person(away, "Национальный")),
        "regional_in": regional_in,
        "regional_out": regional_out,
        "member_reporter": _user(Role.NGO_MEMBER, reporter),
        "member_alerted": _user(Role.NGO_MEMBER, alerted),
        "member_unrelated": _user(Role.NGO_MEMBER, _person(home, "Посторонний")),
        "police_circle": _user(Role.POLICE_LIAISON, police_circle),
        "police_in": _user(Role.POLICE_LIAISON, _person(home, "Дежурный")),
        "police_out": _user(Role.POLICE_LIAISON, _person(away, "Чужой")),
        "official": _user(Role.OFFICIAL, _person(home, "Чиновник")),
        "monitor": _user(Role.MONITOR),
        "anonymous": None,
    }
    community = EthnicCommunityFactory.create()
    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xffphoto", content_type="image/jpeg")
    hidden = _submit(
        reporter,
        CityFactory.create(region=home),
        text=TEXT,
        address=SECRET_ADDRESS,
        latitude=float(LATITUDE),
        longitude=37.5,
        communities=[community],
        attachments=[AttachmentDraft(kind="photo", upload=photo)],
    )
    named = _submit(reporter, CityFactory.create(region=home), text=NAMED_TEXT, named_consent=True)
    return World(hidden.case, named.case, reporter, users)


@dataclass(frozen=True)
class Sees:
    case: bool
    reporter_hidden: bool = False  # the name of a reporter who did not agree to be named
    reporter_named: bool = False  # the name of one who did
    exact_place: bool = False
    take: bool = False
    handle: bool = False  # verify, invalidate, severity, category
    note: bool = False


NOTHING = Sees(case=False)
EXPECTED: dict[str, Sees] = {
    "coordinator": Sees(True, True, True, True, take=True, handle=True, note=True),
    "regional_in": Sees(True, True, True, True, take=True, handle=True, note=True),
    "regional_out": NOTHING,
    "member_reporter": Sees(True, reporter_hidden=True, reporter_named=True),
    "member_alerted": Sees(True, exact_place=True, take=True, note=True),
    "member_unrelated": NOTHING,
    "police_circle": Sees(True, reporter_named=True, exact_place=True, take=True, note=True),
    "police_in": Sees(True, reporter_named=True),
    "police_out": NOTHING,
    "official": Sees(True, reporter_named=True),
    "monitor": NOTHING,
    "anonymous": NOTHING,
}


@pytest.fixture
def world(settings: object, tmp_path: object) -> World:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return build_world(tmp_path)


def _client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _attachment_url(case: Case) -> str:
    attachment = case.reports.get().attachments.get()
    return reverse("incidents:attachment", args=[case.pk, attachment.pk])


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_case_page_shows_each_role_what_it_may_see(world: World, who: str) -> None:
    expected, user = EXPECTED[who], world.users[who]
    client = _client(user)
    hidden = client.get(reverse("incidents:case", args=[world.hidden_case.pk]))
    named = client.get(reverse("incidents:case", args=[world.named_case.pk]))
    attachment = client.get(_attachment_url(world.hidden_case))
    if not expected.case:
        refused = 302 if user is None else 404
        assert (hidden.status_code, named.status_code, attachment.status_code) == (refused,) * 3
        return
    assert (hidden.status_code, named.status_code, attachment.status_code) == (200, 200, 200)
    hidden_html, named_html = hidden.content.decode(), named.content.decode()
    name = world.reporter.full_name
    assert TEXT in hidden_html and NAMED_TEXT in named_html
    assert "case opened" in hidden_html  # the timeline
    assert (name in hidden_html) == expected.reporter_hidden
    assert ("name withheld" in hidden_html) != expected.reporter_hidden
    assert (world.reporter.phone in hidden_html) == expected.reporter_hidden
    assert (name in named_html) == expected.reporter_named
    assert (SECRET_ADDRESS in hidden_html) == expected.exact_place
    assert (LATITUDE in hidden_html) == expected.exact_place
    assert str(world.hidden_case.city) in hidden_html  # the city, for everyone
    assert body(attachment) == b"\xff\xd8\xffphoto"
    pk = world.hidden_case.pk
    assert (reverse("incidents:take", args=[pk]) in hidden_html) == expected.take
    assert (reverse("incidents:step", args=[pk, "verified"]) in hidden_html) == expected.handle
    assert (reverse("incidents:severity", args=[pk]) in hidden_html) == expected.handle
    assert (reverse("incidents:note", args=[pk]) in hidden_html) == expected.note


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_case_list_holds_what_each_role_may_open(world: World, who: str) -> None:
    user = world.users[who]
    response = _client(user).get(reverse("incidents:list"))
    if user is None or who == "monitor":
        assert response.status_code in (302, 404)
        return
    listed = {row.case.pk for row in response.context["page"].object_list}
    cases = {world.hidden_case.pk, world.named_case.pk}
    assert listed == (cases if EXPECTED[who].case else set())


@pytest.mark.parametrize("who", sorted(w for w in EXPECTED if w != "anonymous"))
def test_every_view_is_audited_and_every_refusal_logged(world: World, who: str) -> None:
    user = world.users[who]
    assert user is not None
    path = reverse("incidents:case", args=[world.hidden_case.pk])
    before = AuditEntry.objects.count()
    _client(user).get(path)
    entry = AuditEntry.objects.get(pk__gt=0, actor=user, path=path)
    assert AuditEntry.objects.count() == before + 1
    if EXPECTED[who].case:
        assert entry.action == AuditEntry.Action.VIEW_CASE
        assert entry.detail == {"case": world.hidden_case.pk}
    else:
        assert entry.action == AuditEntry.Action.DENIED
        assert entry.detail["pk"] == str(world.hidden_case.pk)


def test_a_refused_attachment_is_logged(world: World) -> None:
    user = world.users["member_unrelated"]
    url = _attachment_url(world.hidden_case)
    assert _client(user).get(url).status_code == 404
    assert AuditEntry.objects.filter(actor=user, action=AuditEntry.Action.DENIED, path=url).exists()


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("police_in", "take"),
        ("official", "note"),
        ("member_reporter", "severity"),
        ("police_circle", "invalidate"),
        ("member_alerted", "category"),
    ],
)
def test_actions_refused_to_those_who_may_only_read(world: World, who: str, action: str) -> None:
    user = world.users[who]
    case = world.hidden_case
    url = reverse(f"incidents:{action}", args=[case.pk])
    response = _client(user).post(url, {"severity-severity": 1, "severity-reason": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.state, case.owner_id, case.severity) == (
        Case.State.NEW,
        None,
        world.hidden_case.severity,
    )
    assert case.entries.filter(kind="note").count() == 0
    assert AuditEntry.objects.filter(actor=user, action=AuditEntry.Action.DENIED, path=url).exists()


@pytest.mark.parametrize("who", ["regional_out", "member_unrelated", "police_out", "monitor"])
def test_actions_on_a_case_out_of_scope_are_not_found(world: World, who: str) -> None:
    user = world.users[who]
    url = reverse("incidents:take", args=[world.hidden_case.pk])
    assert _client(user).post(url).status_code == 404
    world.hidden_case.refresh_from_db()
    assert world.hidden_case.owner_id is None
    assert AuditEntry.objects.filter(actor=user, action=AuditEntry.Action.DENIED).exists()


def test_a_callers_name_is_withheld_like_any_reporters(world: World) -> None:
    """A report taken by phone from someone outside the network: the coordinators see the
    caller's name and phone, the police only with the caller's consent."""
    coordinator = world.users["regional_in"]
    draft = ReportDraft(
        region=world.hidden_case.region,
        city=CityFactory.create(region=world.hidden_case.region),
        text="Звонок о драке",
    )
    report = report_submit(
        draft=draft,
        source=Source.PHONE,
        user=coordinator,
        reporter_name="Звонящая Гульнара",
        reporter_phone="+79161234567",
    )
    url = reverse("incidents:case", args=[report.case_id])
    seen_by_coordinator = _client(coordinator).get(url).content.decode()
    assert "Звонящая Гульнара" in seen_by_coordinator and "+79161234567" in seen_by_coordinator
    seen_by_police = _client(world.users["police_in"]).get(url).content.decode()
    assert "Звонок о драке" in seen_by_police
    assert "Звонящая Гульнара" not in seen_by_police and "+79161234567" not in seen_by_police
    assert "name withheld" in seen_by_police
