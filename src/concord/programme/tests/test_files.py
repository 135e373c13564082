"""The programme's files: an event's .ics, the personal feed, the XLSX exports, and the admin."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats
from icalendar import Calendar
from openpyxl import load_workbook

from concord.accounts.models import AuditEntry, User
from concord.directory.models import Membership, Organisation, Person, PersonRole
from concord.messaging.models import OutboundMessage
from concord.programme import exporting, services
from concord.programme.models import (
    AgendaTemplate,
    AgendaTemplateItem,
    Attendance,
    CalendarFeed,
    Disruption,
    Event,
    ProgrammeYear,
    RegionalRestriction,
    Registration,
)
from concord.programme.tests.conftest import person_in, plan_for
from concord.regions.models import City, Region
from concord.testing.factories import OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Registration.State
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORTS = ("export_participants", "export_attendance", "export_counts")


# --- Helpers --------------------------------------------------------------------------------


@pytest.fixture
def event(yaroslavl: City, kazan: City, coordinator: User) -> Event:
    """A three-day training in Yaroslavl with places for 50; Yaroslavl and Tatarstan invited."""
    venue = OrganisationFactory.create(
        region=yaroslavl.region, kind=Organisation.Kind.HOST, name="Дом дружбы народов"
    )
    plan = plan_for(yaroslavl, capacity=50, venue=venue)
    created = services.event_create(year=2026, plan=plan, by=coordinator)
    regions = [yaroslavl.region, kazan.region]
    services.event_invite_regions(event=created, regions=regions, by=coordinator)
    return created


def register(event: Event, person: Person, by: User) -> Registration:
    registration = services.registration_invite(event=event, person=person, by=by)
    return services.registration_accept(registration=registration, by=None)


def member_of(person: Person, organisation: Organisation, role: str) -> Person:
    Membership.objects.create(person=person, organisation=organisation, position="член")
    PersonRole.objects.create(person=person, role=role)
    return person


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def user_with(role: str, *, regions: tuple[Region, ...] = (), person: Person | None = None) -> User:
    user = UserFactory.create(role=role, person=person)
    user.regions.set(regions)
    return user


def workbook_of(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def url(name: str, event: Event) -> str:
    return reverse(f"programme:{name}", kwargs={"pk": event.pk})


def calendar_of(response: Any) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def vevents(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


# --- One event's .ics -----------------------------------------------------------------------


def test_event_ics_has_a_stable_uid_and_local_times(kaliningrad: City, coordinator: User) -> None:
    event = services.event_create(year=2026, plan=plan_for(kaliningrad), by=coordinator)
    ngo_member = user_with(User.Role.NGO_MEMBER, person=person_in(kaliningrad.region))
    client = logged_in(ngo_member)
    response = client.get(url("event_ics", event))
    (entry,) = vevents(calendar_of(response))
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert response["Content-Disposition"].endswith(".ics")
    assert str(entry["UID"]) == f"{event.uid}@concord.invalid"
    starts = entry.decoded("DTSTART")
    assert (str(starts.tzinfo), starts.hour) == ("Europe/Kaliningrad", 10)
    assert b"TZID=Europe/Kaliningrad" in response.content
    again = vevents(calendar_of(client.get(url("event_ics", event))))[0]
    assert again["UID"] == entry["UID"]


def test_event_ics_sequence_rises_after_a_move_and_status_after_cancelling(
    event: Event, kazan: City, yaroslavl: City, coordinator: User
) -> None:
    client = logged_in(coordinator)
    first = vevents(calendar_of(client.get(url("event_ics", event))))[0]
    assert (first["SEQUENCE"], str(first["STATUS"])) == (0, "CONFIRMED")
    later = event.starts_at + timedelta(days=7)
    services.event_relocate(
        event=event,
        reason="Зал на ремонте",
        by=coordinator,
        starts_at=later,
        ends_at=event.ends_at + timedelta(days=7),
    )
    moved = vevents(calendar_of(client.get(url("event_ics", event))))[0]
    assert moved["SEQUENCE"] == 1
    assert moved["UID"] == first["UID"]
    assert moved.decoded("DTSTART") == later
    services.event_cancel(event=event, reason="Карантин", by=coordinator)
    cancelled = vevents(calendar_of(client.get(url("event_ics", event))))[0]
    assert (cancelled["SEQUENCE"], str(cancelled["STATUS"])) == (2, "CANCELLED")


def test_file_names_are_safe(yaroslavl: City, coordinator: User) -> None:
    plan = plan_for(yaroslavl, title='Тренинг "Диалог" / 2026\r\n..\\x')
    event = services.event_create(year=2026, plan=plan, by=coordinator)
    name = exporting.file_name(event, "participants", "xlsx")
    assert name.endswith("-тренинг-диалог-2026-x-participants.xlsx")
    assert not set(name) & set('"/\\\r\n ')
    response = logged_in(coordinator).get(url("export_participants", event))
    assert response["Content-Disposition"] == ("attachment; filename*=utf-8''" + quote(name))


def test_event_ics_needs_a_login_and_an_existing_event(event: Event, coordinator: User) -> None:
    response = Client().get(url("event_ics", event))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    missing = reverse("programme:event_ics", kwargs={"pk": event.pk + 1000})
    assert logged_in(coordinator).get(missing).status_code == 404


# --- The personal feed ----------------------------------------------------------------------


def test_feed_shows_only_the_owners_events_without_a_login(
    event: Event, kazan: City, coordinator: User
) -> None:
    other_event = services.event_create(year=2026, plan=plan_for(kazan), by=coordinator)
    services.event_invite_regions(event=other_event, regions=[kazan.region], by=coordinator)
    owner, other = person_in(kazan.region), person_in(kazan.region)
    register(event, owner, coordinator)
    register(event, person_in(event.host_region), coordinator)  # someone else at the same event
    register(other_event, other, coordinator)
    feed = CalendarFeed.objects.create(person=owner)
    response = Client().get(reverse("programme:feed", kwargs={"token": feed.token}))
    entries = vevents(calendar_of(response))
    assert [str(e["UID"]) for e in entries] == [f"{event.uid}@concord.invalid"]
    assert response["Cache-Control"] == "private, max-age=300"
    assert Client().head(reverse("programme:feed", kwargs={"token": feed.token})).status_code == 200


def test_feed_marks_a_cancelled_event_cancelled(event: Event, coordinator: User) -> None:
    person = person_in(event.host_region)
    register(event, person, coordinator)
    feed = CalendarFeed.objects.create(person=person)
    services.event_cancel(event=event, reason="Карантин", by=coordinator)
    response = Client().get(reverse("programme:feed", kwargs={"token": feed.token}))
    (entry,) = vevents(calendar_of(response))
    assert (str(entry["STATUS"]), entry["SEQUENCE"]) == ("CANCELLED", 1)


def test_feed_with_an_unknown_token_is_404(event: Event) -> None:
    CalendarFeed.objects.create(person=person_in(event.host_region))
    response = Client().get(reverse("programme:feed", kwargs={"token": "x" * 32}))
    assert response.status_code == 404


# --- Who may export -------------------------------------------------------------------------


def _viewer(role: str, event: Event, kazan: City) -> User:
    if role == "coordinator":
        return user_with(User.Role.COORDINATOR)
    if role == "regional_home":
        return user_with(User.Role.REGIONAL_COORDINATOR, regions=(event.host_region,))
    if role == "regional_other":
        return user_with(User.Role.REGIONAL_COORDINATOR, regions=(kazan.region,))
    if role == "ngo_member":
        return user_with(User.Role.NGO_MEMBER, person=person_in(event.host_region))
    return user_with(User.Role.MONITOR)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("coordinator", set(EXPORTS)),
        ("regional_home", set(EXPORTS)),
        ("regional_other", {"export_counts"}),
        ("ngo_member", set()),
        ("monitor", {"export_counts"}),
    ],
)
def test_who_may_export(event: Event, kazan: City, role: str, allowed: set[str]) -> None:
    client = logged_in(_viewer(role, event, kazan))
    statuses = {name: client.get(url(name, event)).status_code for name in EXPORTS}
    assert statuses == {name: 200 if name in allowed else 404 for name in EXPORTS}


def test_exports_need_a_login(event: Event) -> None:
    for name in EXPORTS:
        assert Client().get(url(name, event)).status_code == 302


def test_a_refused_export_is_logged_as_denied(event: Event, kazan: City) -> None:
    client = logged_in(_viewer("regional_other", event, kazan))
    assert client.get(url("export_participants", event)).status_code == 404
    denial = AuditEntry.objects.get(action=AuditEntry.Action.DENIED)
    assert denial.detail == {"kind": "event", "pk": str(event.pk)}
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


# --- Participants ---------------------------------------------------------------------------


@pytest.fixture
def people(event: Event, kazan: City, coordinator: User) -> dict[str, Registration]:
    """Two from Yaroslavl (one with an organisation and a role), one from Tatarstan."""
    ngo = OrganisationFactory.create(region=event.host_region, name="Армянская община")
    leader = member_of(
        person_in(event.host_region, last_name="Арутюнян", phone="+79161110001"),
        ngo,
        PersonRole.Role.LEADER,
    )
    return {
        "leader": register(event, leader, coordinator),
        "youth": register(event, person_in(event.host_region, last_name="Борисов"), coordinator),
        "kazan": register(event, person_in(kazan.region, last_name="Галиев"), coordinator),
    }


def test_participants_file_for_a_coordinator(
    event: Event, people: dict[str, Registration], coordinator: User
) -> None:
    response = logged_in(coordinator).get(url("export_participants", event))
    assert "participants.xlsx" in response["Content-Disposition"]
    header, *rows = rows_of(workbook_of(response).active)
    assert header[:4] == ["Name", "Region", "City", "Organisations"]
    assert header[-2:] == ["Phone", "Email"]
    assert [row[0].split()[0] for row in rows] == ["Арутюнян", "Борисов", "Галиев"]
    leader = people["leader"].person
    assert rows[0] == [
        leader.full_name,
        "Yaroslavl Oblast",
        None,  # no city
        "Армянская община",
        "NGO leader",
        "registered",
        "in the room",
        "NGO leaders",
        "+79161110001",
        leader.email,
    ]


def test_the_host_regions_coordinator_gets_every_participant(
    event: Event, people: dict[str, Registration]
) -> None:
    """They run the event, guests from the invited regions included (Scope.people_at_event)."""
    regional = user_with(User.Role.REGIONAL_COORDINATOR, regions=(event.host_region,))
    response = logged_in(regional).get(url("export_participants", event))
    names = [row[0] for row in rows_of(workbook_of(response).active)[1:]]
    assert names == [people[key].person.full_name for key in ("leader", "youth", "kazan")]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == regional
    assert entry.detail == {
        "kind": "event_participants",
        "format": "xlsx",
        "event": event.pk,
        "rows": 3,
    }


def test_a_guest_regions_coordinator_cannot_export_the_host_event(
    event: Event, people: dict[str, Registration]
) -> None:
    guest_region = people["kazan"].person.region
    regional = user_with(User.Role.REGIONAL_COORDINATOR, regions=(guest_region,))
    assert logged_in(regional).get(url("export_participants", event)).status_code == 404


def test_text_that_looks_like_a_formula_stays_text(event: Event, coordinator: User) -> None:
    register(event, person_in(event.host_region, last_name="=HYPERLINK(1)"), coordinator)
    response = logged_in(coordinator).get(url("export_participants", event))
    cell = workbook_of(response).active["A2"]
    assert (cell.data_type, cell.value.startswith("=HYPERLINK")) == ("s", True)


# --- Attendance sheet -----------------------------------------------------------------------


def test_attendance_sheet_marks_check_ins(
    event: Event, people: dict[str, Registration], coordinator: User
) -> None:
    days = services.event_days(event)
    services.attendance_check_in(registration=people["leader"], day=days[0], by=coordinator)
    services.attendance_check_in(registration=people["leader"], day=days[2], by=coordinator)
    services.attendance_check_in(registration=people["kazan"], day=days[1], by=coordinator)
    invited_only = person_in(event.host_region, last_name="Аксёнов")
    services.registration_invite(event=event, person=invited_only, by=coordinator)
    response = logged_in(coordinator).get(url("export_attendance", event))
    sheet = workbook_of(response).active
    header, *rows = rows_of(sheet)
    dates = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in days]
    assert header == ["No.", "Name", "Region", "Organisation", *dates, "Signature"]
    marks = {row[1].split()[0]: row[4:7] for row in rows}
    assert marks == {
        "Арутюнян": ["✓", None, "✓"],
        "Борисов": [None, None, None],
        "Галиев": [None, "✓", None],
    }
    assert [row[0] for row in rows] == [1, 2, 3]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.detail["kind"], entry.detail["rows"]) == ("event_attendance", 3)


def test_attendance_sheet_is_printable(event: Event, coordinator: User) -> None:
    register(event, person_in(event.host_region), coordinator)
    sheet = workbook_of(logged_in(coordinator).get(url("export_attendance", event))).active
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.oddHeader.center.text == event.title


def test_attendance_headers_are_dates_in_the_host_time_zone(
    kaliningrad: City, coordinator: User
) -> None:
    # 00:30 in Kaliningrad is still the previous evening in Moscow.
    plan = plan_for(kaliningrad, capacity=5)
    starts = plan.starts_at.replace(hour=0, minute=30)
    event = services.event_create(
        year=2026,
        plan=plan_for(
            kaliningrad, capacity=5, starts_at=starts, ends_at=starts + timedelta(hours=8)
        ),
        by=coordinator,
    )
    sheet = workbook_of(logged_in(coordinator).get(url("export_attendance", event))).active
    header = rows_of(sheet)[0]
    assert header[4:-1] == [formats.date_format(starts.date(), "SHORT_DATE_FORMAT")]


# --- Counts ---------------------------------------------------------------------------------


def _sheet_rows(workbook: Any, title: str) -> dict[str, list[Any]]:
    return {row[0]: row[1:] for row in rows_of(workbook[title]) if row and row[0]}


def test_counts_without_personal_data(
    event: Event, people: dict[str, Registration], coordinator: User
) -> None:
    online = register(event, person_in(event.host_region), coordinator)
    Registration.objects.filter(pk=online.pk).update(mode=Registration.Mode.ONLINE)
    services.registration_cancel(registration=people["youth"], by=None, by_organiser=False)
    monitor = user_with(User.Role.MONITOR)
    workbook = workbook_of(logged_in(monitor).get(url("export_counts", event)))
    assert workbook.sheetnames == ["By region", "By organisation kind", "By role"]
    regions = _sheet_rows(workbook, "By region")
    assert regions["Tatarstan"] == [1, 0, 1]
    assert regions["Yaroslavl Oblast"] == [1, 1, 2]
    assert regions["Total, people"] == [2, 1, 3]
    kinds = _sheet_rows(workbook, "By organisation kind")
    assert (kinds["ethnic NGO"], kinds["No organisation"]) == ([1, 0, 1], [1, 1, 2])
    assert kinds["police unit"] == [0, 0, 0]
    roles = _sheet_rows(workbook, "By role")
    assert (roles["NGO leader"], roles["No role recorded"]) == ([1, 0, 1], [1, 1, 2])
    cells = {str(v) for sheet in workbook for row in rows_of(sheet) for v in row if v}
    for registration in people.values():
        person = registration.person
        assert not {person.last_name, person.phone, person.email} & cells


def test_counts_of_a_held_event_count_who_came(
    event: Event, people: dict[str, Registration], coordinator: User
) -> None:
    day = services.event_days(event)[0]
    services.attendance_check_in(registration=people["kazan"], day=day, by=coordinator)
    services.event_attendance_close(event=event, by=coordinator)
    workbook = workbook_of(logged_in(coordinator).get(url("export_counts", event)))
    regions = _sheet_rows(workbook, "By region")
    assert regions["Total, people"] == [1, 0, 1]
    assert "Yaroslavl Oblast" not in regions
    assert "People who attended." in regions
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


# --- Queries --------------------------------------------------------------------------------


def add_registrations(event: Event, count: int) -> None:
    """`count` confirmed people with an organisation, a role and a first-day check-in."""
    ngo = OrganisationFactory.create(region=event.host_region)
    people = PersonFactory.create_batch(count, region=event.host_region)
    Membership.objects.bulk_create(Membership(person=p, organisation=ngo) for p in people)
    PersonRole.objects.bulk_create(PersonRole(person=p, role="activist") for p in people)
    registrations = Registration.objects.bulk_create(
        Registration(event=event, person=p, state=S.ATTENDED) for p in people
    )
    day = services.event_days(event)[0]
    Attendance.objects.bulk_create(
        Attendance(registration=r, day=day, checked_in_at=event.starts_at) for r in registrations
    )


def _queries(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", EXPORTS)
def test_export_queries_do_not_grow_with_registrations(
    event: Event, coordinator: User, name: str
) -> None:
    client = logged_in(coordinator)
    add_registrations(event, 5)
    with_five = _queries(client, url(name, event))
    add_registrations(event, 35)
    with_forty = _queries(client, url(name, event))
    assert with_five == with_forty
    if name != "export_counts":
        rows = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk")
        assert [entry.detail["rows"] for entry in rows] == [5, 40]


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(event: Event, people: dict[str, Registration], coordinator: User) -> Client:
    superuser = User.objects.create_superuser(email="admin@example.org", password="x")
    template, _created = AgendaTemplate.objects.get_or_create(kind=Event.Kind.SEMINAR)
    if not template.items.exists():
        AgendaTemplateItem.objects.create(
            template=template,
            day=1,
            start_time="10:00",
            end_time="12:00",
            title_ru="Знакомство",
            title_en="Introductions",
        )
    services.restriction_create(
        region=event.host_region,
        starts_on=event.starts_at.date() + timedelta(days=60),
        ends_on=event.starts_at.date() + timedelta(days=70),
        max_participants=30,
        reason="Указ губернатора",
        by=coordinator,
    )
    CalendarFeed.objects.create(person=people["leader"].person)
    services.event_relocate(
        event=event,
        reason="Зал на ремонте",
        by=coordinator,
        starts_at=event.starts_at + timedelta(days=1),
        ends_at=event.ends_at + timedelta(days=1),
    )
    return logged_in(superuser)


ADMIN_MODELS = [
    ProgrammeYear,
    Event,
    AgendaTemplate,
    Registration,
    RegionalRestriction,
    Disruption,
    CalendarFeed,
    OutboundMessage,
]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_admin_pages_load(admin_client: Client, model: Any) -> None:
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    obj = model.objects.order_by("pk").first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_admin_registration_state_is_read_only(
    admin_client: Client, people: dict[str, Registration]
) -> None:
    registration = people["leader"]
    change = reverse("admin:programme_registration_change", args=[registration.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="state"' not in page
    assert "Changed only on the event's page" in page
    assert reverse("programme:event", kwargs={"pk": registration.event_id}) in page
    assert "registration changes" in page.lower()  # the history inline
    admin_client.post(change, {"state": S.CANCELLED_BY_ORGANISER})
    registration.refresh_from_db()
    assert registration.state == S.REGISTERED


def test_admin_event_leaves_moves_to_the_services(admin_client: Client, event: Event) -> None:
    page = admin_client.get(reverse("admin:programme_event_change", args=[event.pk])).content
    for field in ("starts_at", "host_city", "status", "uid", "sequence"):
        assert f'name="{field}"'.encode() not in page
    assert b'name="title"' in page
    assert b"Changed only on the event's page, which records the reason" in page
    assert admin_client.get(reverse("admin:programme_event_add")).status_code == 403


def test_admin_calendar_feed_hides_the_token(admin_client: Client) -> None:
    feed = CalendarFeed.objects.get()
    for address in (
        reverse("admin:programme_calendarfeed_changelist"),
        reverse("admin:programme_calendarfeed_change", args=[feed.pk]),
    ):
        assert feed.token not in admin_client.get(address).content.decode()
    old = feed.token
    admin_client.post(
        reverse("admin:programme_calendarfeed_changelist"),
        {"action": "issue_new_address", "_selected_action": [feed.pk]},
    )
    feed.refresh_from_db()
    assert feed.token != old


def test_admin_outbox_is_read_only(admin_client: Client) -> None:
    message = OutboundMessage.objects.order_by("pk").first()
    assert message is not None
    page = admin_client.get(reverse("admin:messaging_outboundmessage_change", args=[message.pk]))
    assert b'name="state"' not in page.content
    assert admin_client.get(reverse("admin:messaging_outboundmessage_add")).status_code == 403


def test_admin_restriction_keeps_the_services_rules(admin_client: Client, event: Event) -> None:
    add = reverse("admin:programme_regionalrestriction_add")
    form = {
        "region": event.host_region_id,
        "starts_on": "2026-06-10",
        "ends_on": "2026-06-01",
        "max_participants": "0",
        "reason": "   ",
    }
    page = admin_client.post(add, form).content.decode()
    assert "The restriction must end on or after its start." in page
    assert "This field is required." in page
    response = admin_client.post(add, form | {"ends_on": "2026-06-20", "reason": " Указ "})
    assert response.status_code == 302
    restriction = RegionalRestriction.objects.get(starts_on="2026-06-10")
    assert restriction.created_by is not None
    assert (restriction.reason, restriction.created_by.email) == ("Указ", "admin@example.org")
