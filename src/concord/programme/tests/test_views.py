"""The programme's pages: who may open them, what they show, and that bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from concord.accounts.models import User
from concord.directory.models import Organisation
from concord.programme import services
from concord.programme.models import (
    Attendance,
    CalendarFeed,
    Disruption,
    Event,
    InvitedRegion,
    RegionalRestriction,
    Registration,
)
from concord.programme.tests.conftest import person_in, plan_for
from concord.regions.models import City, Region
from concord.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Registration.State


# --- helpers and fixtures -------------------------------------------------------------------


def client_for(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return response.content.decode()


def regional_coordinator(region: Region) -> User:
    user = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR)
    user.regions.add(region)
    return user


def member_in(region: Region, **kwargs: Any) -> User:
    return UserFactory.create(role=User.Role.NGO_MEMBER, person=person_in(region, **kwargs))


@pytest.fixture
def announced(training: Event, coordinator: User) -> Event:
    return services.event_status_set(event=training, status=Event.Status.ANNOUNCED, by=coordinator)


@pytest.fixture
def participant(announced: Event) -> User:
    return member_in(announced.host_region, last_name="Хабибуллин")


@pytest.fixture
def invitation(announced: Event, participant: User, coordinator: User) -> Registration:
    assert participant.person is not None
    return services.registration_invite(event=announced, person=participant.person, by=coordinator)


def invite(
    event: Event, coordinator: User, region: Region | None = None, **kw: Any
) -> Registration:
    person = person_in(region or event.host_region, **kw)
    return services.registration_invite(event=event, person=person, by=coordinator)


def accepted(event: Event, coordinator: User, **kw: Any) -> Registration:
    registration = invite(event, coordinator, **kw)
    return services.registration_accept(registration=registration, by=None)


def manage_urls(event: Event) -> list[str]:
    names = [
        "event_edit_status",
        "event_invite_regions",
        "event_invite_people",
        "event_relocate",
        "event_switch_format",
        "event_cancel",
        "checkin",
    ]
    return [reverse(f"programme:{name}", args=[event.pk]) for name in names]


# --- who may open what ----------------------------------------------------------------------


def test_urls() -> None:
    assert reverse("programme:calendar") == "/programme/"
    assert reverse("programme:event", args=[7]) == "/programme/events/7/"
    assert reverse("programme:event_create") == "/programme/events/new/"
    assert reverse("programme:checkin", args=[7]) == "/programme/events/7/check-in/"
    assert reverse("programme:my") == "/programme/my/"
    assert (
        reverse("programme:registration_action", args=[3, "accept"])
        == "/programme/registrations/3/accept/"
    )


def test_anonymous_people_are_sent_to_log_in(announced: Event) -> None:
    for url in ("/programme/", f"/programme/events/{announced.pk}/", "/programme/my/"):
        response = client_for(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "role", [User.Role.NGO_MEMBER, User.Role.POLICE_LIAISON, User.Role.MONITOR]
)
def test_calendar_and_event_page_render_for_every_role(announced: Event, role: str) -> None:
    user = UserFactory.create(role=role, person=person_in(announced.host_region))
    client = client_for(user)
    calendar = client.get("/programme/")
    assert calendar.status_code == 200
    assert announced.title in text_of(calendar)
    page = client.get(f"/programme/events/{announced.pk}/")
    assert page.status_code == 200
    assert "Day 1" in text_of(page)
    assert "Invite regions" not in text_of(page)


def test_drafts_are_for_coordinators_only(training: Event, coordinator: User) -> None:
    member = member_in(training.host_region)
    assert training.title not in text_of(client_for(member).get("/programme/"))
    assert client_for(member).get(f"/programme/events/{training.pk}/").status_code == 404
    assert training.title in text_of(client_for(coordinator).get("/programme/"))
    assert client_for(coordinator).get(f"/programme/events/{training.pk}/").status_code == 200


def test_a_person_invited_to_a_draft_may_open_it_and_answer(
    training: Event, coordinator: User
) -> None:
    registration = invite(training, coordinator)
    user = UserFactory.create(role=User.Role.NGO_MEMBER, person=registration.person)
    url = f"/programme/events/{training.pk}/"
    page = client_for(user).get(url)
    assert page.status_code == 200
    assert "Your answer" in text_of(page) and "Yes, I will come" in text_of(page)
    answered = client_for(user).post(action_url(registration, "accept"), {"next": url})
    assert answered["Location"] == url
    registration.refresh_from_db()
    assert registration.state == S.REGISTERED


def test_management_pages_open_for_the_events_coordinators_only(
    announced: Event, coordinator: User, kazan: City
) -> None:
    allowed = [coordinator, regional_coordinator(announced.host_region)]
    refused = [
        regional_coordinator(kazan.region),
        member_in(announced.host_region),
        UserFactory.create(role=User.Role.MONITOR),
    ]
    for url in manage_urls(announced):
        for user in allowed:
            assert client_for(user).get(url).status_code == 200, url
        for user in refused:
            assert client_for(user).get(url).status_code == 404, url


@pytest.mark.parametrize("url", ["/programme/events/new/", "/programme/restrictions/"])
def test_creating_events_and_restrictions_is_for_coordinators(
    url: str, coordinator: User, yaroslavl: City
) -> None:
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(regional_coordinator(yaroslavl.region)).get(url).status_code == 200
    assert client_for(member_in(yaroslavl.region)).get(url).status_code == 404
    assert client_for(UserFactory.create(role=User.Role.MONITOR)).get(url).status_code == 404


# --- calendar -------------------------------------------------------------------------------


def test_calendar_filters_and_shows_the_host_time_zone(
    announced: Event, kaliningrad: City, coordinator: User
) -> None:
    seminar = services.event_create(
        year=2026,
        plan=plan_for(kaliningrad, kind=Event.Kind.SEMINAR, title="Семинар в Калининграде"),
        by=coordinator,
    )
    client = client_for(coordinator)
    everything = text_of(client.get("/programme/"))
    assert announced.title in everything and seminar.title in everything
    assert "Kaliningrad time (UTC+2)" in everything
    assert "Yaroslavl time (UTC+3)" in everything
    only_seminars = text_of(client.get("/programme/", {"kind": "seminar"}))
    assert seminar.title in only_seminars and announced.title not in only_seminars
    only_kgd = text_of(client.get("/programme/", {"region": "RU-KGD"}))
    assert seminar.title in only_kgd and announced.title not in only_kgd
    only_announced = text_of(client.get("/programme/", {"status": "announced"}))
    assert announced.title in only_announced and seminar.title not in only_announced
    nothing = text_of(client.get("/programme/", {"year": "1999"}))
    assert "No events found." in nothing


def test_month_view_puts_events_on_their_days(announced: Event, coordinator: User) -> None:
    first = timezone.localtime(announced.starts_at, announced.tz)
    query = {"view": "month", "year": str(first.year), "month": str(first.month)}
    response = client_for(coordinator).get("/programme/", query)
    assert response.status_code == 200
    body = text_of(response)
    assert announced.title in body
    assert f"/programme/events/{announced.pk}/" in body


# --- the event page -------------------------------------------------------------------------


def test_event_page_shows_agenda_regions_counts_and_names_per_scope(
    announced: Event, coordinator: User, kazan: City
) -> None:
    services.event_invite_regions(event=announced, regions=[kazan.region], by=coordinator)
    local = accepted(announced, coordinator, last_name="Местный")
    guest = accepted(announced, coordinator, region=kazan.region, last_name="Гость")
    waiting = accepted(announced, coordinator, last_name="Ожидающий")
    assert waiting.state == S.WAITLISTED
    url = f"/programme/events/{announced.pk}/"

    page = text_of(client_for(coordinator).get(url))
    for expected in ("Day 1", "Day 3", "10:00–11:30", "Tatarstan", "Invite people", "Гость"):
        assert expected in page
    assert "2 of 2 taken" in page

    member = text_of(client_for(member_in(announced.host_region)).get(url))
    assert local.person.full_name in member
    assert guest.person.full_name not in member  # another region, not listed network-wide
    assert "Invite people" not in member

    monitor = text_of(client_for(UserFactory.create(role=User.Role.MONITOR)).get(url))
    assert "2 of 2 taken" in monitor
    assert local.person.full_name not in monitor
    assert 'id="participants"' not in monitor


def test_participant_list_filters_by_state_and_search(announced: Event, coordinator: User) -> None:
    coming = accepted(announced, coordinator, last_name="Приходящий")
    silent = invite(announced, coordinator, last_name="Молчащий")
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/"
    registered = text_of(client.get(url, {"state": "registered"}))
    assert coming.person.full_name in registered and silent.person.full_name not in registered
    found = text_of(client.get(url, {"q": "молч"}))
    assert silent.person.full_name in found and coming.person.full_name not in found


def _event_page_queries(client: Client, event: Event) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/programme/events/{event.pk}/")
    assert response.status_code == 200
    return len(queries)


def test_event_page_queries_do_not_grow_with_registrations(
    announced: Event, coordinator: User, kazan: City
) -> None:
    services.event_invite_regions(event=announced, regions=[kazan.region], by=coordinator)
    announced.capacity_in_person = 30
    announced.save()
    speaker = person_in(announced.host_region)
    for session in announced.sessions.all():
        session.speakers.add(speaker)
    client = client_for(coordinator)

    def add(count: int) -> None:
        for n in range(count):
            region = kazan.region if n % 2 else announced.host_region
            registration = invite(announced, coordinator, region=region)
            if n % 3:
                services.registration_accept(registration=registration, by=None)

    add(5)
    few = _event_page_queries(client, announced)
    add(45)
    many = _event_page_queries(client, announced)
    assert many == few, f"{few} queries for 5 registrations, {many} for 50"


# --- creating an event ----------------------------------------------------------------------


def create_data(city: City, **changes: Any) -> dict[str, Any]:
    first = date.today() + timedelta(days=40)
    data = {
        "kind": Event.Kind.TRAINING,
        "title": "Межрегиональный тренинг",
        "host_region": city.region.pk,
        "city": city.pk,
        "starts_on": first.isoformat(),
        "starts_time": "10:00",
        "ends_on": (first + timedelta(days=2)).isoformat(),
        "ends_time": "17:00",
        "format": Event.Format.IN_PERSON,
        "capacity_in_person": "30",
        "capacity_online": "0",
    }
    data.update(changes)
    return data


def test_create_converts_the_host_citys_local_time(kaliningrad: City, coordinator: User) -> None:
    data = create_data(kaliningrad)
    response = client_for(coordinator).post("/programme/events/new/", data, follow=True)
    event = Event.objects.get()
    first = date.fromisoformat(data["starts_on"])
    assert event.starts_at == datetime(first.year, first.month, first.day, 8, 0, tzinfo=UTC)
    assert event.host_city == kaliningrad
    assert event.sessions.count() == 7
    assert response.redirect_chain[-1][0] == f"/programme/events/{event.pk}/"
    body = text_of(response)
    assert "Event created" in body
    assert "10:00–17:00" in body and "Kaliningrad time (UTC+2)" in body


def test_create_lists_the_chosen_regions_places(
    yaroslavl: City, kazan: City, coordinator: User
) -> None:
    OrganisationFactory.create(region=kazan.region, name="Дом дружбы народов Татарстана")
    client = client_for(coordinator)
    narrowed = text_of(client.get("/programme/events/new/", {"host_region": yaroslavl.region.pk}))
    assert "Ярославль" in narrowed or "Yaroslavl" in narrowed
    assert "Дом дружбы народов Татарстана" not in narrowed


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": (date.today() + timedelta(days=39)).isoformat()}, "must end after it starts"),
        ({"title": ""}, "This field is required"),
        ({"format": "online", "capacity_online": "50"}, "needs a meeting link"),
    ],
)
def test_bad_event_input_shows_the_message_and_writes_nothing(
    yaroslavl: City, coordinator: User, changes: dict[str, Any], message: str
) -> None:
    response = client_for(coordinator).post(
        "/programme/events/new/", create_data(yaroslavl, **changes)
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert not Event.objects.exists()


def test_venue_in_another_region_is_refused_on_the_form(
    yaroslavl: City, kazan: City, coordinator: User
) -> None:
    venue = OrganisationFactory.create(region=kazan.region, kind=Organisation.Kind.HOST)
    data = create_data(yaroslavl, venue=venue.pk)
    response = client_for(coordinator).post("/programme/events/new/", data)
    assert "not in the event&#x27;s region" in text_of(response)
    assert not Event.objects.exists()


def test_restriction_asks_for_an_override_reason(yaroslavl: City, coordinator: User) -> None:
    services.restriction_create(
        region=yaroslavl.region,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=90),
        max_participants=10,
        reason="Указ губернатора",
        by=coordinator,
    )
    client = client_for(coordinator)
    refused = text_of(client.post("/programme/events/new/", create_data(yaroslavl)))
    assert "Указ губернатора" in refused and "at most 10 people" in refused
    assert 'name="override_reason"' in refused
    assert not Event.objects.exists()
    data = create_data(yaroslavl, override_reason="Зал на 30 мест, согласовано с областью")
    client.post("/programme/events/new/", data)
    event = Event.objects.get()
    assert event.overrides.get().reason == "Зал на 30 мест, согласовано с областью"


def test_regional_coordinator_creates_only_at_home(
    yaroslavl: City, kazan: City, coordinator: User
) -> None:
    client = client_for(regional_coordinator(yaroslavl.region))
    response = client.post("/programme/events/new/", create_data(kazan))
    assert "Select a valid choice" in text_of(response)
    assert not Event.objects.exists()


# --- status, regions, people ----------------------------------------------------------------


def test_status_change_with_restriction_needs_a_reason(training: Event, coordinator: User) -> None:
    services.restriction_create(
        region=training.host_region,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=90),
        max_participants=0,
        reason="Карантин",
        by=coordinator,
    )
    client = client_for(coordinator)
    url = f"/programme/events/{training.pk}/status/"
    refused = text_of(client.post(url, {"status": "confirmed"}))
    assert "Карантин" in refused
    training.refresh_from_db()
    assert training.status == Event.Status.DRAFT
    client.post(url, {"status": "confirmed", "override_reason": "Согласовано с Роспотребнадзором"})
    training.refresh_from_db()
    assert training.status == Event.Status.CONFIRMED


def test_invite_regions_and_refuse_a_region_twice(
    announced: Event, coordinator: User, kazan: City, kaliningrad: City
) -> None:
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/invite-regions/"
    response = client.post(url, {"regions": [kazan.region.pk], "group": "main"}, follow=True)
    assert "Invitation sent to 1 region" in text_of(response)
    assert announced.invited_regions.count() == 2
    again = {"regions": [kaliningrad.region.pk, kazan.region.pk], "group": "main"}
    refused = text_of(client.post(url, again))
    assert "Already invited: Tatarstan" in refused  # the region named in the page's language
    assert announced.invited_regions.count() == 2
    youth = client.post(url, {"regions": [kazan.region.pk], "group": "youth"})
    assert youth.status_code == 302
    assert announced.invited_regions.filter(group=InvitedRegion.Group.YOUTH).count() == 1


def test_invite_people_reports_who_could_not_be_invited(
    announced: Event, coordinator: User, kazan: City
) -> None:
    fresh = person_in(announced.host_region, last_name="Новиков")
    twice = invite(announced, coordinator, last_name="Повторов").person
    outsider = person_in(kazan.region, last_name="Чужой")
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/invite-people/"
    listed = text_of(client.get(url))
    assert "Новиков" in listed and "Повторов" not in listed and "Чужой" not in listed
    data = {"people": [fresh.pk, twice.pk, outsider.pk], "group": "main"}
    response = text_of(client.post(url, data, follow=True))
    assert "Invitation sent to 1 person" in response
    assert "already on the list" in response
    assert "which is not invited to this event" in response
    assert announced.registrations.count() == 2
    assert not Registration.objects.filter(person=outsider).exists()


def test_invite_people_search_and_role_filter(announced: Event, coordinator: User) -> None:
    from concord.directory.models import PersonRole
    from concord.testing.factories import PersonRoleFactory

    leader = person_in(announced.host_region, last_name="Лидеров")
    PersonRoleFactory.create(person=leader, role=PersonRole.Role.LEADER)
    youth = person_in(announced.host_region, last_name="Молодёжнов")
    PersonRoleFactory.create(person=youth, role=PersonRole.Role.YOUTH_ACTIVIST)
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/invite-people/"
    leaders = text_of(client.get(url, {"role": "leader"}))
    assert "Лидеров" in leaders and "Молодёжнов" not in leaders
    found = client.get(url, {"q": "молодеж"}, HTTP_HX_REQUEST="true")
    assert 'id="candidates"' in text_of(found) and "<html" not in text_of(found)
    assert "Молодёжнов" in text_of(found) and "Лидеров" not in text_of(found)


# --- registrations --------------------------------------------------------------------------


def action_url(registration: Registration, action: str) -> str:
    return reverse("programme:registration_action", args=[registration.pk, action])


def test_participant_accepts_in_one_tap(invitation: Registration, participant: User) -> None:
    response = client_for(participant).post(action_url(invitation, "accept"), follow=True)
    assert "You are registered" in text_of(response)
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED


def test_participant_declines_in_one_tap(invitation: Registration, participant: User) -> None:
    client_for(participant).post(action_url(invitation, "decline"))
    invitation.refresh_from_db()
    assert invitation.state == S.DECLINED


def test_actions_on_someone_elses_registration_are_404(
    invitation: Registration, announced: Event
) -> None:
    stranger = member_in(announced.host_region)
    for action in ("accept", "decline", "cancel", "confirm", "cancel_by_organiser", "bogus"):
        response = client_for(stranger).post(action_url(invitation, action))
        assert response.status_code == 404, action
    invitation.refresh_from_db()
    assert invitation.state == S.INVITED


def test_actions_need_post(invitation: Registration, participant: User) -> None:
    assert client_for(participant).get(action_url(invitation, "accept")).status_code == 405


def test_cancel_asks_first_then_offers_the_place_to_the_waitlist(
    invitation: Registration, participant: User, announced: Event, coordinator: User
) -> None:
    services.registration_accept(registration=invitation, by=None)
    accepted(announced, coordinator)
    waiting = accepted(announced, coordinator)
    assert waiting.state == S.WAITLISTED
    client = client_for(participant)
    question = client.post(action_url(invitation, "cancel"))
    assert question.status_code == 200
    assert "Cancel your registration?" in text_of(question)
    invitation.refresh_from_db()
    assert invitation.state == S.REGISTERED
    client.post(action_url(invitation, "cancel"), {"confirmed": "on"})
    invitation.refresh_from_db()
    waiting.refresh_from_db()
    assert (invitation.state, waiting.state) == (S.CANCELLED_BY_PERSON, S.OFFERED)


def test_accepting_an_expired_offer_says_so(announced: Event, coordinator: User) -> None:
    for _ in range(2):
        accepted(announced, coordinator)
    waiting = accepted(announced, coordinator)
    freed = announced.registrations.filter(state=S.REGISTERED).first()
    assert freed is not None
    services.registration_cancel(registration=freed, by=None, by_organiser=False)
    waiting.refresh_from_db()
    assert waiting.state == S.OFFERED and waiting.offer_expires_at is not None
    user = UserFactory.create(role=User.Role.NGO_MEMBER, person=waiting.person)
    with time_machine.travel(waiting.offer_expires_at + timedelta(minutes=1)):
        response = client_for(user).post(action_url(waiting, "accept"), follow=True)
    assert "this offer expired" in text_of(response)
    waiting.refresh_from_db()
    assert waiting.state == S.WAITLISTED


def test_declining_an_offer_passes_it_on(announced: Event, coordinator: User) -> None:
    first, second = accepted(announced, coordinator), accepted(announced, coordinator)
    offered, next_in_line = accepted(announced, coordinator), accepted(announced, coordinator)
    services.registration_cancel(registration=first, by=None, by_organiser=False)
    offered.refresh_from_db()
    assert offered.state == S.OFFERED
    user = UserFactory.create(role=User.Role.NGO_MEMBER, person=offered.person)
    client_for(user).post(action_url(offered, "decline"))
    offered.refresh_from_db()
    next_in_line.refresh_from_db()
    assert (offered.state, next_in_line.state) == (S.CANCELLED_BY_PERSON, S.OFFERED)
    assert second.pk


def test_coordinator_confirms_and_cancels_from_the_event_page(
    announced: Event, coordinator: User
) -> None:
    registration = accepted(announced, coordinator)
    client = client_for(coordinator)
    client.post(action_url(registration, "confirm"))
    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED
    question = client.post(action_url(registration, "cancel_by_organiser"))
    assert 'name="reason"' in text_of(question)
    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED
    data = {"confirmed": "on", "reason": "Не прошёл регистрацию", "next": "https://evil.example/"}
    done = client.post(action_url(registration, "cancel_by_organiser"), data)
    assert done["Location"] == f"/programme/events/{announced.pk}/"
    registration.refresh_from_db()
    assert registration.state == S.CANCELLED_BY_ORGANISER
    assert registration.transitions.last().reason == "Не прошёл регистрацию"  # type: ignore[union-attr]


def test_a_refused_change_is_shown(invitation: Registration, coordinator: User) -> None:
    response = client_for(coordinator).post(action_url(invitation, "confirm"), follow=True)
    assert "cannot become" in text_of(response)
    invitation.refresh_from_db()
    assert invitation.state == S.INVITED


# --- disruptions ----------------------------------------------------------------------------


def test_relocation_confirms_with_the_number_told(
    announced: Event, coordinator: User, kazan: City
) -> None:
    for _ in range(3):
        invite(announced, coordinator)
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/relocate/"
    form = text_of(client.get(url))
    local_start = timezone.localtime(announced.starts_at, announced.tz)
    assert f'value="{local_start:%Y-%m-%d}"' in form
    data = {
        "region": kazan.region.pk,
        "city": kazan.pk,
        "starts_on": f"{local_start:%Y-%m-%d}",
        "starts_time": "10:00",
        "ends_on": f"{timezone.localtime(announced.ends_at, announced.tz):%Y-%m-%d}",
        "ends_time": "17:00",
        "reason": "Карантин в Ярославле",
    }
    question = text_of(client.post(url, data))
    assert "3 people will be notified" in question
    assert not Disruption.objects.exists()
    announced.refresh_from_db()
    assert announced.host_city != kazan
    response = client.post(url, {**data, "confirmed": "on"}, follow=True)
    assert "The event has been moved" in text_of(response)
    announced.refresh_from_db()
    assert announced.host_city == kazan
    assert "Карантин в Ярославле" in text_of(response)


def test_relocation_that_changes_nothing_is_refused_before_confirming(
    announced: Event, coordinator: User
) -> None:
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/relocate/"
    starts = timezone.localtime(announced.starts_at, announced.tz)
    ends = timezone.localtime(announced.ends_at, announced.tz)
    data = {
        "starts_on": f"{starts:%Y-%m-%d}",
        "starts_time": f"{starts:%H:%M}",
        "ends_on": f"{ends:%Y-%m-%d}",
        "ends_time": f"{ends:%H:%M}",
        "reason": "Просто так",
    }
    refused = text_of(client.post(url, data))
    assert "Nothing changes" in refused and "will be notified" not in refused
    no_reason = text_of(client.post(url, {**data, "reason": "", "confirmed": "on"}))
    assert "Say why" in no_reason
    assert not Disruption.objects.exists()


def test_switch_to_online_needs_a_link(announced: Event, coordinator: User) -> None:
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/switch-format/"
    data = {"format": "online", "capacity_online": "50", "reason": "Карантин"}
    refused = text_of(client.post(url, {**data, "confirmed": "on"}))
    assert "needs a meeting link" in refused
    announced.refresh_from_db()
    assert announced.format == Event.Format.IN_PERSON
    data["meeting_url"] = "https://meet.example.org/training"
    assert "will be notified" in text_of(client.post(url, data))
    client.post(url, {**data, "confirmed": "on"})
    announced.refresh_from_db()
    assert announced.format == Event.Format.ONLINE


def test_cancel_the_event_after_confirmation(
    invitation: Registration, announced: Event, coordinator: User
) -> None:
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/cancel/"
    assert "Say why" in text_of(client.post(url, {"reason": " "}))
    question = text_of(client.post(url, {"reason": "Губернатор запретил"}))
    assert "1 person will be notified" in question
    announced.refresh_from_db()
    assert announced.status == Event.Status.ANNOUNCED
    client.post(url, {"reason": "Губернатор запретил", "confirmed": "on"})
    announced.refresh_from_db()
    invitation.refresh_from_db()
    assert announced.status == Event.Status.CANCELLED
    assert invitation.state == S.CANCELLED_BY_ORGANISER


# --- check-in -------------------------------------------------------------------------------


def test_checkin_by_htmx_tap_and_undo(announced: Event, coordinator: User) -> None:
    registration = accepted(announced, coordinator, last_name="Присутствующий")
    silent = invite(announced, coordinator, last_name="Неответивший")
    day = services.event_days(announced)[1]
    client = client_for(coordinator)
    url = f"/programme/events/{announced.pk}/check-in/"
    listed = text_of(client.get(url, {"day": day.isoformat()}))
    assert "Присутствующий" in listed and "Неответивший" not in listed
    tap = {"registration": registration.pk, "day": day.isoformat(), "action": "in"}
    row = text_of(client.post(url, tap, HTTP_HX_REQUEST="true"))
    assert "Here since" in row and "<html" not in row
    assert Attendance.objects.filter(registration=registration, day=day).exists()
    client.post(url, {**tap, "action": "undo"}, HTTP_HX_REQUEST="true")
    assert not Attendance.objects.exists()
    refused = text_of(client.post(url, {**tap, "registration": silent.pk}, HTTP_HX_REQUEST="true"))
    assert "is not registered for this event" in refused
    assert not Attendance.objects.exists()


def test_checkin_search_returns_the_list_only(announced: Event, coordinator: User) -> None:
    accepted(announced, coordinator, last_name="Искомый")
    accepted(announced, coordinator, last_name="Другой")
    response = client_for(coordinator).get(
        f"/programme/events/{announced.pk}/check-in/", {"q": "иском"}, HTTP_HX_REQUEST="true"
    )
    body = text_of(response)
    assert 'id="checkin-list"' in body and "Искомый" in body and "Другой" not in body


def test_checkin_without_htmx_redirects_back(announced: Event, coordinator: User) -> None:
    registration = accepted(announced, coordinator)
    day = services.event_days(announced)[0]
    url = f"/programme/events/{announced.pk}/check-in/"
    tap = {"registration": registration.pk, "day": day.isoformat(), "action": "in"}
    response = client_for(coordinator).post(url, tap)
    assert response["Location"] == f"{url}?day={day.isoformat()}"
    assert Attendance.objects.count() == 1


# --- the participant's page -----------------------------------------------------------------


def test_my_page_lists_invitations_events_and_the_feed(
    invitation: Registration, participant: User, announced: Event, coordinator: User
) -> None:
    assert announced.host_city is not None
    other = services.event_create(
        year=2026, plan=plan_for(announced.host_city, title="Второй тренинг"), by=coordinator
    )
    services.event_invite_regions(event=other, regions=[announced.host_region], by=coordinator)
    assert participant.person is not None
    mine = services.registration_invite(event=other, person=participant.person, by=coordinator)
    services.registration_accept(registration=mine, by=None)
    page = text_of(client_for(participant).get("/programme/my/"))
    assert announced.title in page and "Yes, I will come" in page
    assert "Второй тренинг" in page and "I cannot come" in page
    assert CalendarFeed.objects.filter(person=participant.person).count() == 1
    client_for(participant).get("/programme/my/")
    assert CalendarFeed.objects.count() == 1


def test_my_page_shows_when_an_offer_expires_in_event_time(
    announced: Event, coordinator: User
) -> None:
    first = accepted(announced, coordinator)
    accepted(announced, coordinator)
    waiting = accepted(announced, coordinator)
    services.registration_cancel(registration=first, by=None, by_organiser=False)
    waiting.refresh_from_db()
    assert waiting.offer_expires_at is not None
    user = UserFactory.create(role=User.Role.NGO_MEMBER, person=waiting.person)
    page = text_of(client_for(user).get("/programme/my/"))
    local = timezone.localtime(waiting.offer_expires_at, announced.tz)
    assert f"{local:%H:%M}" in page and "Yaroslavl time (UTC+3)" in page
    assert "Yes, I take the place" in page


def test_my_page_without_a_linked_person(coordinator: User) -> None:
    page = text_of(client_for(coordinator).get("/programme/my/"))
    assert "not linked to a person" in page


# --- restrictions ---------------------------------------------------------------------------


def test_restrictions_are_listed_and_added(yaroslavl: City, coordinator: User) -> None:
    client = client_for(coordinator)
    data = {
        "region": yaroslavl.region.pk,
        "starts_on": date.today().isoformat(),
        "ends_on": (date.today() + timedelta(days=14)).isoformat(),
        "max_participants": "30",
        "reason": "Указ губернатора №12",
    }
    response = text_of(client.post("/programme/restrictions/", data, follow=True))
    assert "Restriction recorded" in response and "Указ губернатора №12" in response
    assert RegionalRestriction.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_on": (date.today() - timedelta(days=1)).isoformat()}, "must end on or after"),
        ({"reason": "  "}, "Say why"),
    ],
)
def test_bad_restrictions_write_nothing(
    yaroslavl: City, coordinator: User, changes: dict[str, str], message: str
) -> None:
    data = {
        "region": yaroslavl.region.pk,
        "starts_on": date.today().isoformat(),
        "ends_on": (date.today() + timedelta(days=14)).isoformat(),
        "max_participants": "30",
        "reason": "Указ",
        **changes,
    }
    response = client_for(coordinator).post("/programme/restrictions/", data)
    assert message in text_of(response)
    assert not RegionalRestriction.objects.exists()


def test_regional_coordinator_sees_only_their_restrictions(
    yaroslavl: City, kazan: City, coordinator: User
) -> None:
    for city in (yaroslavl, kazan):
        services.restriction_create(
            region=city.region,
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=5),
            max_participants=5,
            reason=f"Ограничение: {city.name_ru}",
            by=coordinator,
        )
    page = text_of(client_for(regional_coordinator(kazan.region)).get("/programme/restrictions/"))
    assert "Ограничение: Казань" in page and "Ограничение: Ярославль" not in page
