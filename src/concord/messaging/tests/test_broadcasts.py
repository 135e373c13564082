"""Broadcasts: who a segment reaches (never outside the coordinator's regions), the preview's
counts per channel (the same as the outbox's routing), sending once, progress, and the pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from concord import urls as project_urls
from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for
from concord.directory.models import Consent, Organisation, Person, PersonRole
from concord.messaging import outbox
from concord.messaging.broadcasts import (
    Segment,
    broadcast_enqueue,
    broadcast_preview,
    broadcast_progress,
    broadcast_segment_people,
    broadcast_send,
    people_routes,
)
from concord.messaging.messages import ANNOUNCEMENT
from concord.messaging.models import (
    Broadcast,
    ContactStatus,
    OutboundMessage,
    TelegramChat,
)
from concord.messaging.providers import providers_reset
from concord.messaging.routing import route_for
from concord.programme import services as programme
from concord.programme.models import Event
from concord.regions.models import Region
from concord.testing.factories import (
    ConsentFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    PersonRoleFactory,
    RegionFactory,
    UserFactory,
)
from concord.testing.providers import ScriptedEmail, ScriptedTelegram, ScriptedWhatsApp

M = OutboundMessage
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# The project mounts these pages at /broadcasts/; until it does, the tests mount them here.
urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "broadcasts" for p in urlpatterns):
    urlpatterns.append(path("broadcasts/", include("concord.messaging.urls_broadcasts")))


# --- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def scripted(settings: Any) -> Iterator[None]:
    """Every channel configured with a scripted provider: nothing leaves the machine."""
    settings.CONCORD_CHANNEL_PROVIDERS = {
        "telegram": "concord.testing.providers.ScriptedTelegram",
        "whatsapp": "concord.testing.providers.ScriptedWhatsApp",
        "email": "concord.testing.providers.ScriptedEmail",
    }
    for provider in (ScriptedTelegram, ScriptedWhatsApp, ScriptedEmail):
        provider.reset()
    providers_reset()
    yield
    providers_reset()


@pytest.fixture
def tatarstan(db: None) -> Region:
    return RegionFactory.create(code="RU-TA", name_en="Tatarstan", name_ru="Татарстан")


@pytest.fixture
def bashkortostan(db: None) -> Region:
    return RegionFactory.create(code="RU-BA", name_en="Bashkortostan", name_ru="Башкортостан")


@pytest.fixture
def national(db: None) -> User:
    return UserFactory.create(role=User.Role.COORDINATOR)


def regional_coordinator(*regions: Region) -> User:
    user = UserFactory.create(role=User.Role.REGIONAL_COORDINATOR)
    user.regions.add(*regions)
    return user


def reachable_person(**kwargs: Any) -> Person:
    """A person who agreed to be contacted through messengers and email."""
    person = PersonFactory.create(**kwargs)
    ConsentFactory.create(person=person, purpose=Consent.Purpose.MESSAGING)
    return person


def on_telegram(region: Region, chat_id: int, **kwargs: Any) -> Person:
    person = reachable_person(region=region, preferred_channel="telegram", **kwargs)
    TelegramChat.objects.create(chat_id=chat_id, kind=TelegramChat.Kind.PRIVATE, person=person)
    return person


def on_whatsapp(region: Region, phone: str, **kwargs: Any) -> Person:
    return reachable_person(region=region, preferred_channel="whatsapp", whatsapp=phone, **kwargs)


def make_event(region: Region, by: User, title: str = "Тренинг в Казани") -> Event:
    start = timezone.now().replace(microsecond=0) + timedelta(days=30)
    plan = programme.EventPlan(
        kind=Event.Kind.SEMINAR,
        title=title,
        host_region=region,
        starts_at=start,
        ends_at=start + timedelta(hours=6),
        capacity_in_person=10,
    )
    event = programme.event_create(year=start.year, plan=plan, by=by)
    programme.event_invite_regions(event=event, regions=[region], by=by)
    return programme.event_status_set(event=event, status=Event.Status.ANNOUNCED, by=by)


def scope_of(user: User) -> Scope:
    return scope_for(user)


def names(people: Any) -> set[str]:
    return {p.last_name for p in people}


# --- segments and scope -----------------------------------------------------------------------


def test_each_filter_narrows_and_they_combine(
    tatarstan: Region, bashkortostan: Region, national: User
) -> None:
    police = OrganisationFactory.create(region=tatarstan, kind=Organisation.Kind.POLICE)
    ngo = OrganisationFactory.create(region=tatarstan, kind=Organisation.Kind.ETHNIC_NGO)
    leader = reachable_person(region=tatarstan, last_name="Лидер")
    PersonRoleFactory.create(person=leader, role=PersonRole.Role.LEADER)
    MembershipFactory.create(person=leader, organisation=ngo)
    officer = reachable_person(region=tatarstan, last_name="Офицер")
    PersonRoleFactory.create(person=officer, role=PersonRole.Role.POLICE_LIAISON)
    MembershipFactory.create(person=officer, organisation=police)
    far = reachable_person(region=bashkortostan, last_name="Дальний")
    PersonRoleFactory.create(person=far, role=PersonRole.Role.LEADER)
    scope = scope_of(national)

    def segment(**kw: Any) -> set[str]:
        return names(broadcast_segment_people(scope=scope, segment=Segment(**kw)))

    assert segment() == {"Лидер", "Офицер", "Дальний"}
    assert segment(regions=("RU-TA",)) == {"Лидер", "Офицер"}
    assert segment(roles=(PersonRole.Role.LEADER,)) == {"Лидер", "Дальний"}
    assert segment(org_kinds=(Organisation.Kind.POLICE,)) == {"Офицер"}
    assert segment(regions=("RU-TA",), roles=(PersonRole.Role.LEADER,)) == {"Лидер"}
    both = segment(roles=(PersonRole.Role.LEADER, PersonRole.Role.POLICE_LIAISON))
    assert both == {"Лидер", "Офицер", "Дальний"}  # within one filter: any of them


def test_event_filter_takes_people_still_expecting_the_event(
    tatarstan: Region, national: User
) -> None:
    event = make_event(tatarstan, national)
    coming = reachable_person(region=tatarstan, last_name="Придёт")
    declined = reachable_person(region=tatarstan, last_name="Отказался")
    reachable_person(region=tatarstan, last_name="Неприглашённый")
    programme.registration_invite(event=event, person=coming, by=national)
    no = programme.registration_invite(event=event, person=declined, by=national)
    programme.registration_decline(registration=no, by=None)

    people = broadcast_segment_people(scope=scope_of(national), segment=Segment(event=event.pk))
    assert names(people) == {"Придёт"}


def test_a_regional_coordinator_never_reaches_other_regions(
    tatarstan: Region, bashkortostan: Region
) -> None:
    reachable_person(region=tatarstan, last_name="Свой")
    reachable_person(region=bashkortostan, last_name="Чужой")
    scope = scope_of(regional_coordinator(tatarstan))

    assert names(broadcast_segment_people(scope=scope, segment=Segment())) == {"Свой"}
    forged = Segment(regions=("RU-BA",))  # another region, typed into a forged form
    assert not broadcast_segment_people(scope=scope, segment=forged).exists()
    assert broadcast_preview(scope=scope, segment=Segment()).total == 1


def test_only_coordinators_may_broadcast(tatarstan: Region) -> None:
    member = UserFactory.create(role=User.Role.NGO_MEMBER)
    with pytest.raises(PermissionDenied):
        broadcast_segment_people(scope=scope_of(member), segment=Segment())
    monitor = UserFactory.create(role=User.Role.MONITOR)
    with pytest.raises(PermissionDenied):
        broadcast_send(scope=scope_of(monitor), segment=Segment(), title="t", text="x", by=monitor)


# --- preview: the same channels as the outbox would choose ----------------------------------


def varied_people(region: Region) -> list[Person]:
    """One of each routing case: preferred channel, fallbacks, unreachable marks, no address."""
    people = [
        on_telegram(region, 501),
        on_telegram(region, 502, whatsapp="+79160000502"),
        on_whatsapp(region, "+79160000503"),
        on_whatsapp(region, "+79160000504", email=""),
        reachable_person(region=region, preferred_channel="email"),
        reachable_person(region=region, preferred_channel="email", email=""),
        reachable_person(region=region, preferred_channel="phone"),
        reachable_person(region=region, preferred_channel="phone", email=""),
        reachable_person(region=region, preferred_channel="telegram"),  # no chat: email
    ]
    TelegramChat.objects.create(chat_id=506, kind=TelegramChat.Kind.PRIVATE, person=people[5])
    blocked = on_telegram(region, 510, whatsapp="+79160000510")
    unreachable = [("telegram", blocked), ("whatsapp", people[2]), ("whatsapp", people[3])]
    for channel, person in unreachable:
        ContactStatus.objects.create(
            person=person, channel=channel, unreachable_since=timezone.now(), reason="test"
        )
    group = TelegramChat.objects.create(chat_id=-100, kind=TelegramChat.Kind.GROUP)
    group.person = people[6]  # a group is never a person's address
    group.save()
    return [*people, blocked]


def route_channel(person: Person) -> str | None:
    route = route_for(OutboundMessage(person=person))
    return route.channel if route else None


@pytest.mark.parametrize("unconfigured", [None, ScriptedWhatsApp, ScriptedTelegram])
def test_bulk_routes_agree_with_route_for(
    tatarstan: Region, unconfigured: type[ScriptedWhatsApp] | None
) -> None:
    people = varied_people(tatarstan)
    if unconfigured is not None:
        unconfigured.configured = False

    bulk = people_routes(Person.objects.filter(pk__in=[p.pk for p in people]))

    assert bulk == {p.pk: route_channel(p) for p in people}
    assert None in bulk.values() and len(set(bulk.values())) >= 3  # the cases really vary


def test_preview_counts_per_channel_in_a_few_queries(tatarstan: Region, national: User) -> None:
    people = varied_people(tatarstan)
    expected: dict[str, int] = {"telegram": 0, "whatsapp": 0, "email": 0}
    for person in people:
        if (channel := route_channel(person)) is not None:
            expected[channel] += 1
    scope = scope_of(national)

    with CaptureQueriesContext(connection) as queries:
        preview = broadcast_preview(scope=scope, segment=Segment(regions=("RU-TA",)))

    assert preview.per_channel == expected
    assert preview.total == len(people)
    assert preview.unreachable == sum(1 for p in people if route_channel(p) is None)
    assert len(queries) <= 3


# --- sending ----------------------------------------------------------------------------------


def test_send_queues_one_bulk_message_per_person_once(tatarstan: Region, national: User) -> None:
    people = [on_telegram(tatarstan, 600 + n) for n in range(3)]
    scope = scope_of(national)

    broadcast = broadcast_send(
        scope=scope, segment=Segment(), title="Собрание", text="Завтра в 10:00", by=national
    )

    rows = list(broadcast.messages.order_by("person_id"))
    assert [m.person_id for m in rows] == [p.pk for p in people]
    assert {m.dedupe_key for m in rows} == {f"broadcast:{broadcast.pk}:{p.pk}" for p in people}
    assert {(m.priority, m.template, m.state) for m in rows} == {
        (M.Priority.BULK, ANNOUNCEMENT, M.State.QUEUED)
    }
    assert rows[0].context == {"title": "Собрание", "text": "Завтра в 10:00"}
    segment_people = broadcast_segment_people(scope=scope, segment=Segment())
    assert broadcast_enqueue(broadcast=broadcast, people=segment_people) == 3  # a retry adds none
    assert M.objects.count() == 3


def test_the_same_broadcast_twice_in_a_row_is_sent_once(tatarstan: Region, national: User) -> None:
    on_telegram(tatarstan, 700)
    scope = scope_of(national)
    kwargs: dict[str, Any] = {"scope": scope, "title": "T", "text": "X", "by": national}

    first = broadcast_send(segment=Segment(regions=("RU-TA",)), **kwargs)
    again = broadcast_send(segment=Segment(regions=("RU-TA",)), **kwargs)
    other = broadcast_send(segment=Segment(), **kwargs)  # another segment is another decision

    assert first == again != other
    assert Broadcast.objects.count() == 2 and M.objects.count() == 2


def test_progress_counts_states_in_one_query(tatarstan: Region, national: User) -> None:
    for n in range(7):
        on_telegram(tatarstan, 800 + n)
    broadcast = broadcast_send(
        scope=scope_of(national), segment=Segment(), title="T", text="X", by=national
    )
    states = [
        M.State.SENDING,
        M.State.FAILED_RETRYABLE,
        M.State.SENT,
        M.State.DELIVERED,
        M.State.READ,
        M.State.FAILED_PERMANENT,
    ]
    for message, state in zip(broadcast.messages.order_by("pk"), states, strict=False):
        M.objects.filter(pk=message.pk).update(state=state)

    with CaptureQueriesContext(connection) as queries:
        progress = broadcast_progress(broadcast=broadcast)

    assert len(queries) == 1
    assert (progress.queued, progress.sent, progress.delivered, progress.read) == (3, 1, 1, 1)
    assert progress.failed == 1 and progress.total == 7 and not progress.done


def test_the_worker_sends_a_broadcast_on_each_persons_channel(
    tatarstan: Region, national: User
) -> None:
    on_telegram(tatarstan, 901)
    on_whatsapp(tatarstan, "+79160000902")
    broadcast = broadcast_send(
        scope=scope_of(national), segment=Segment(), title="Важно", text="Сбор в 9:00", by=national
    )

    for pk in outbox.outbox_claim(limit=10):
        outbox.outbox_send(pk)

    assert broadcast_progress(broadcast=broadcast).sent == 2
    (telegram,) = ScriptedTelegram.sent
    assert telegram.text == "Важно\n\nСбор в 9:00" and "<b>Важно</b>" in telegram.html
    (whatsapp,) = ScriptedWhatsApp.sent  # outside the 24-hour window: a template
    assert whatsapp.whatsapp_template is not None
    assert whatsapp.whatsapp_template.name == "concord_announcement"
    assert whatsapp.whatsapp_template.parameters == ("Важно", "Сбор в 9:00")
    assert whatsapp.whatsapp_template.buttons == ()


# --- pages ------------------------------------------------------------------------------------


def client_for(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"title": "Собрание", "text": "Приходите в четверг"}
    data.update(changes)
    return data


@pytest.mark.parametrize("role", [User.Role.NGO_MEMBER, User.Role.MONITOR])
def test_pages_are_not_found_for_anyone_but_coordinators(
    tatarstan: Region, national: User, role: str
) -> None:
    broadcast = broadcast_send(
        scope=scope_of(national), segment=Segment(), title="T", text="X", by=national
    )
    client = client_for(UserFactory.create(role=role))
    for name, args in [("list", []), ("new", []), ("detail", [broadcast.pk])]:
        assert client.get(reverse(f"broadcasts:{name}", args=args)).status_code == 404
    assert client.post(reverse("broadcasts:new"), form_data(send="1")).status_code == 404
    anonymous = client_for(None).get(reverse("broadcasts:list"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_preview_then_send_to_the_number_shown(tatarstan: Region, bashkortostan: Region) -> None:
    on_telegram(tatarstan, 1001)
    on_whatsapp(tatarstan, "+79160001002")
    reachable_person(region=bashkortostan)  # not theirs: never counted
    coordinator = regional_coordinator(tatarstan)
    client = client_for(coordinator)

    page = client.get(reverse("broadcasts:new")).content.decode()
    assert "Tatarstan" in page and "Bashkortostan" not in page and "0 of 900" in page

    preview = client.post(reverse("broadcasts:new"), form_data(preview="1"))
    text = preview.content.decode()
    assert "2 people" in text and "Send to 2 people" in text
    assert ">1</td>" in text  # one on Telegram, one on WhatsApp
    assert not Broadcast.objects.exists()

    sent = client.post(reverse("broadcasts:new"), form_data(send="1", expected="2"))
    broadcast = Broadcast.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "broadcasts:detail", args=[broadcast.pk]
    )
    assert broadcast.created_by == coordinator and broadcast.messages.count() == 2


def test_a_changed_count_shows_the_preview_again(tatarstan: Region, national: User) -> None:
    on_telegram(tatarstan, 1101)
    response = client_for(national).post(
        reverse("broadcasts:new"), form_data(send="1", expected="5")
    )
    assert response.status_code == 200
    assert "The number of recipients changed" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_a_bad_form_sends_nothing(tatarstan: Region, national: User) -> None:
    on_telegram(tatarstan, 1201)
    client = client_for(national)
    too_long = client.post(reverse("broadcasts:new"), form_data(text="x" * 901, send="1"))
    assert too_long.status_code == 200 and "at most 900" in too_long.content.decode()
    other_region = client_for(regional_coordinator(tatarstan)).post(
        reverse("broadcasts:new"), form_data(regions=["RU-BA"], send="1", expected="0")
    )
    assert other_region.status_code == 200  # not a choice of theirs: the form refuses it
    assert not Broadcast.objects.exists()


def test_progress_polls_while_messages_wait_and_stops_when_done(
    tatarstan: Region, national: User
) -> None:
    on_telegram(tatarstan, 1301)
    broadcast = broadcast_send(
        scope=scope_of(national), segment=Segment(), title="T", text="X", by=national
    )
    client = client_for(national)
    url = reverse("broadcasts:progress", args=[broadcast.pk])

    waiting = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "1 message still waiting" in waiting
    broadcast.messages.update(state=M.State.DELIVERED)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and "Done" in done

    detail = client.get(reverse("broadcasts:detail", args=[broadcast.pk])).content.decode()
    assert "Progress" in detail and "X" in detail


def test_list_shows_newest_first_with_progress(tatarstan: Region, national: User) -> None:
    on_telegram(tatarstan, 1401)
    scope = scope_of(national)
    for title in ("Первая", "Вторая"):
        broadcast_send(scope=scope, segment=Segment(), title=title, text=title, by=national)
    Broadcast.objects.filter(title="Первая").update(created_at=timezone.now() - timedelta(days=1))
    client = client_for(national)

    with CaptureQueriesContext(connection) as two:
        page = client.get(reverse("broadcasts:list")).content.decode()
    for n in range(3):
        broadcast_send(scope=scope, segment=Segment(), title=f"Ещё {n}", text="X", by=national)
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("broadcasts:list"))

    assert page.index("Вторая") < page.index("Первая")
    assert "1 in all: 0 sent, 0 delivered, 0 read, 0 failed, 1 waiting" in page
    assert len(five) == len(two)  # the progress of every broadcast comes with the page


def test_a_regional_coordinator_sees_only_their_own_broadcasts(
    tatarstan: Region, bashkortostan: Region, national: User
) -> None:
    on_telegram(tatarstan, 1501)
    theirs = broadcast_send(
        scope=scope_of(national), segment=Segment(), title="Общая", text="X", by=national
    )
    regional = regional_coordinator(tatarstan)
    client = client_for(regional)
    assert client.get(reverse("broadcasts:detail", args=[theirs.pk])).status_code == 404
    assert "Общая" not in client.get(reverse("broadcasts:list")).content.decode()
    assert "Общая" in client_for(national).get(reverse("broadcasts:list")).content.decode()


def test_line_breaks_count_once(tatarstan: Region, national: User) -> None:
    on_telegram(tatarstan, 1601)
    text = "\r\n".join(["x" * 99] * 9)  # 899 characters on a phone, 907 as browsers send it
    response = client_for(national).post(reverse("broadcasts:new"), form_data(text=text))
    assert "Send to 1 person" in response.content.decode()


def test_people_who_did_not_agree_to_messages_are_not_reached(
    tatarstan: Region, national: User
) -> None:
    agreed = on_telegram(tatarstan, 501)
    silent = PersonFactory.create(region=tatarstan, preferred_channel="telegram")
    Consent.objects.filter(person=agreed).update(withdrawn_at=None)
    people = broadcast_segment_people(scope=scope_of(national), segment=Segment(regions=("RU-TA",)))
    assert list(people) == [agreed]
    assert silent not in people
