"""Telegram groups: attaching them, invite links and polls against the fake Bot API, votes
from real `poll_answer` updates through the inbound worker, and WhatsApp's one-to-one stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from concord.accounts.models import User
from concord.accounts.scoping import scope_for
from concord.directory.models import Person
from concord.messaging import groups, inbound
from concord.messaging.group_models import EventChat, GroupPoll
from concord.messaging.messages import ANNOUNCEMENT
from concord.messaging.models import InboundEvent, OutboundMessage, TelegramChat
from concord.messaging.rendering import render
from concord.messaging.tests.test_broadcasts import (
    client_for,
    make_event,
    on_telegram,
    on_whatsapp,
    regional_coordinator,
)
from concord.messaging.tests.test_broadcasts import scripted as scripted
from concord.programme import services as programme
from concord.programme.models import Event, Registration, RegistrationTransition
from concord.regions.models import Region
from concord.testing.factories import PersonFactory, RegionFactory, UserFactory
from concord.testing.fakes.telegram import FakeTelegram

M = OutboundMessage
S = Registration.State
GROUP_ID = -1001234567890
pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.messaging.tests.test_broadcasts")]


@pytest.fixture(autouse=True)
def poll_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vote handler, as the messaging app registers it at start-up; on a copy of the
    registry, so that other tests' dispatching stays as they expect."""
    registry = {kind: list(fns) for kind, fns in inbound._HANDLERS.items()}
    monkeypatch.setattr(inbound, "_HANDLERS", registry)
    groups.register()


@pytest.fixture
def tatarstan(db: None) -> Region:
    return RegionFactory.create(code="RU-TA", name_en="Tatarstan", name_ru="Татарстан")


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory.create(role=User.Role.COORDINATOR)


@pytest.fixture
def event(tatarstan: Region, coordinator: User) -> Event:
    return make_event(tatarstan, coordinator, title="Семинар в Казани")


@pytest.fixture
def group(db: None) -> TelegramChat:
    """A group the bot was added to as an administrator (inbound stored it from
    my_chat_member)."""
    return TelegramChat.objects.create(
        chat_id=GROUP_ID, kind=TelegramChat.Kind.SUPERGROUP, title="Казань 2026", bot_is_admin=True
    )


@pytest.fixture
def telegram(fake_telegram: FakeTelegram, settings: Any) -> FakeTelegram:
    """The fake Bot API behind the real TelegramProvider (not the scripted one)."""
    settings.CONCORD_CHANNEL_PROVIDERS = {
        **settings.CONCORD_CHANNEL_PROVIDERS,
        "telegram": "concord.messaging.providers.telegram.TelegramProvider",
    }
    from concord.messaging.providers import providers_reset

    providers_reset()
    fake_telegram.add_chat(GROUP_ID, title="Казань 2026")
    return fake_telegram


def run_ready_tasks() -> int:
    """What the worker's task loop does with due tasks, minus its connection handling (a
    test keeps one connection in one transaction)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    done = 0
    while (result := DBTaskResult.objects.ready().get_locked()) is not None:
        result.claim("test")
        worker.run_task(result)
        done += 1
    return done


def invite(event: Event, person: Person, by: User) -> Registration:
    return programme.registration_invite(event=event, person=person, by=by)


# --- attaching --------------------------------------------------------------------------------


def test_a_coordinator_attaches_a_group_to_an_event_and_a_region(
    event: Event, group: TelegramChat, coordinator: User, tatarstan: Region
) -> None:
    groups.group_attach(chat=group, event=event, region=tatarstan, by=coordinator)

    assert EventChat.objects.get(event=event).chat == group
    group.refresh_from_db()
    assert group.region == tatarstan
    other = TelegramChat.objects.create(chat_id=-42, kind="group", title="B", bot_is_admin=True)
    groups.group_attach(chat=other, event=event, by=coordinator)  # the event's group changes
    assert EventChat.objects.get(event=event).chat == other


def test_attaching_needs_an_admin_bot_a_group_and_the_right_coordinator(
    event: Event, group: TelegramChat, tatarstan: Region
) -> None:
    elsewhere = regional_coordinator(RegionFactory.create(code="RU-BA"))
    with pytest.raises(PermissionDenied):
        groups.group_attach(chat=group, event=event, by=elsewhere)
    with pytest.raises(PermissionDenied):
        groups.group_attach(chat=group, region=tatarstan, by=elsewhere)
    at_home = regional_coordinator(tatarstan)
    private = TelegramChat.objects.create(chat_id=77, kind="private")
    with pytest.raises(groups.GroupError, match="not a group"):
        groups.group_attach(chat=private, event=event, by=at_home)
    group.bot_is_admin = False
    group.save()
    with pytest.raises(groups.GroupError, match="administrator"):
        groups.group_attach(chat=group, event=event, by=at_home)
    assert not EventChat.objects.exists()


# --- invite links -----------------------------------------------------------------------------


def test_an_invite_link_comes_from_telegram(telegram: FakeTelegram, group: TelegramChat) -> None:
    link = groups.group_invite_link(chat=group, name="Семинар в Казани, март 2026 года")

    assert link.startswith("https://t.me/+")
    (created,) = telegram.invite_links()
    assert created["chat_id"] == GROUP_ID and created["invite_link"] == link
    assert len(created["name"]) <= 32  # Telegram's limit, cut rather than refused


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("kicked", "no longer in"),
        ("forgotten", "no longer in"),
        ("flood", "try again"),
    ],
)
def test_invite_link_errors_say_what_to_do(
    telegram: FakeTelegram, group: TelegramChat, fault: str, message: str
) -> None:
    if fault == "kicked":
        telegram.block_chat(GROUP_ID, reason="kicked")
    elif fault == "forgotten":
        telegram.forget_chat(GROUP_ID)
    else:
        telegram.fail_next("flood", retry_after=5, method="createChatInviteLink")
    with pytest.raises(groups.GroupError, match=message):
        groups.group_invite_link(chat=group, name="x")


def test_invite_link_follows_a_group_that_became_a_supergroup(
    telegram: FakeTelegram, group: TelegramChat
) -> None:
    new_id = telegram.migrate_group(GROUP_ID)

    groups.group_invite_link(chat=group, name="x")

    group.refresh_from_db()
    assert group.migrated_to == new_id
    assert telegram.invite_links()[-1]["chat_id"] == new_id


def test_without_telegram_configured_the_coordinator_is_told(
    group: TelegramChat, settings: Any
) -> None:
    from concord.testing.providers import ScriptedTelegram

    ScriptedTelegram.configured = False
    with pytest.raises(groups.GroupError, match="not set up"):
        groups.group_invite_link(chat=group, name="x")


# --- announcements ----------------------------------------------------------------------------


def test_an_announcement_to_the_group_is_one_outbox_row(
    event: Event, group: TelegramChat, coordinator: User
) -> None:
    key = groups.announcement_key()
    first = groups.group_announce(
        chat=group, text="Автобус в 9:00", by=coordinator, event=event, key=key
    )
    again = groups.group_announce(
        chat=group, text="Автобус в 9:00", by=coordinator, event=event, key=key
    )

    assert first == again and M.objects.count() == 1
    assert (first.chat, first.person, first.priority) == (group, None, M.Priority.NORMAL)
    assert first.template == ANNOUNCEMENT and first.context["event"] == event.pk
    other = groups.group_announce(chat=group, text="Ещё", by=coordinator)
    assert other.dedupe_key != first.dedupe_key
    outgoing = render(first, channel="telegram", address=str(GROUP_ID), window_open=True)
    assert outgoing.html == "<b>Семинар в Казани</b>\n\nАвтобус в 9:00" and not outgoing.buttons


def test_an_empty_announcement_is_refused(group: TelegramChat, coordinator: User) -> None:
    with pytest.raises(groups.GroupError):
        groups.group_announce(chat=group, text="   ", by=coordinator)
    assert not M.objects.exists()


def test_whatsapp_people_get_the_announcement_one_to_one_with_rsvp_buttons(
    event: Event, tatarstan: Region, coordinator: User
) -> None:
    on_wa = invite(event, on_whatsapp(tatarstan, "+79160000001"), coordinator)
    invite(event, on_telegram(tatarstan, 2001), coordinator)  # in the group instead
    declined = invite(event, on_whatsapp(tatarstan, "+79160000003"), coordinator)
    programme.registration_decline(registration=declined, by=None)
    before = M.objects.count()

    count = groups.announcement_whatsapp_one_to_one(
        event=event, text="Сбор у входа в 9:00", by=coordinator, key="k1"
    )
    groups.announcement_whatsapp_one_to_one(event=event, text="Сбор", by=coordinator, key="k1")

    assert count == 1 and M.objects.count() == before + 1
    message = M.objects.get(template=ANNOUNCEMENT)
    assert message.person == on_wa.person
    outgoing = render(message, channel="whatsapp", address="+79160000001", window_open=False)
    template = outgoing.whatsapp_template
    assert template is not None and template.name == "concord_announcement_rsvp"
    assert template.parameters == ("Семинар в Казани", "Сбор у входа в 9:00")
    assert [b.id for b in template.buttons] == [
        f"rsvp:accept:{on_wa.pk}",
        f"rsvp:decline:{on_wa.pk}",
    ]


def test_no_rsvp_buttons_once_the_person_has_said_no(
    event: Event, tatarstan: Region, coordinator: User
) -> None:
    registration = invite(event, on_whatsapp(tatarstan, "+79160000001"), coordinator)
    groups.announcement_whatsapp_one_to_one(event=event, text="Сбор", by=coordinator)
    programme.registration_decline(registration=registration, by=None)

    message = M.objects.get(template=ANNOUNCEMENT)
    outgoing = render(message, channel="whatsapp", address="+79160000001", window_open=False)
    assert outgoing.whatsapp_template is not None
    assert outgoing.whatsapp_template.name == "concord_announcement"
    assert outgoing.whatsapp_template.buttons == () == outgoing.buttons


# --- RSVP polls -------------------------------------------------------------------------------


def test_a_poll_is_queued_then_sent_by_the_worker(
    telegram: FakeTelegram, event: Event, group: TelegramChat, coordinator: User
) -> None:
    poll = groups.group_rsvp_poll(event=event, chat=group, by=coordinator)
    assert poll.state == GroupPoll.State.QUEUED and not telegram.calls("sendPoll")
    assert DBTaskResult.objects.filter(task_path__endswith="group_poll_send").count() == 1

    assert run_ready_tasks() == 1

    poll.refresh_from_db()
    assert poll.state == GroupPoll.State.SENT and poll.poll_id and poll.message_id
    (sent,) = telegram.sent_messages(GROUP_ID)
    assert sent["poll"]["id"] == poll.poll_id and sent["poll"]["is_anonymous"] is False
    assert [o["text"] for o in sent["poll"]["options"]] == poll.options
    assert "Семинар в Казани" in sent["poll"]["question"]


def test_a_poll_is_retried_after_a_timeout_and_fails_for_good_when_refused(
    telegram: FakeTelegram, event: Event, group: TelegramChat, coordinator: User
) -> None:
    poll = groups.group_rsvp_poll(event=event, chat=group, by=coordinator)
    telegram.fail_next("server_error", method="sendPoll", status=502)

    assert groups.group_poll_send.call(poll.pk) == GroupPoll.State.QUEUED
    retry = DBTaskResult.objects.filter(task_path__endswith="group_poll_send").order_by(
        "-run_after"
    )[0]
    assert retry.run_after > timezone.now()
    telegram.block_chat(GROUP_ID, reason="kicked")
    assert groups.group_poll_send.call(poll.pk) == GroupPoll.State.FAILED
    assert groups.group_poll_send.call(poll.pk) == "skipped"
    poll.refresh_from_db()
    assert "403" in poll.error and poll.attempts == 2


def sent_poll(telegram: FakeTelegram, event: Event, group: TelegramChat, by: User) -> GroupPoll:
    poll = groups.group_rsvp_poll(event=event, chat=group, by=by)
    groups.group_poll_send.call(poll.pk)
    poll.refresh_from_db()
    assert poll.poll_id
    return poll


def vote(telegram: FakeTelegram, poll: GroupPoll, user_id: int, options: list[int]) -> str:
    """A real poll_answer Update, stored and processed as the webhook and worker do."""
    update = telegram.make_poll_answer_update(str(poll.poll_id), user_id, options)
    assert set(update["poll_answer"]) == {"poll_id", "user", "option_ids"}
    inbound.inbound_store(channel="telegram", external_id=str(update["update_id"]), payload=update)
    inbound.inbound_run_once()
    return InboundEvent.objects.get(external_id=str(update["update_id"])).state


@pytest.fixture
def voting(
    telegram: FakeTelegram, event: Event, group: TelegramChat, coordinator: User, tatarstan: Region
) -> tuple[GroupPoll, Registration]:
    person = on_telegram(tatarstan, 3001)
    return sent_poll(telegram, event, group, coordinator), invite(event, person, coordinator)


def test_yes_in_the_poll_registers_and_no_declines(
    telegram: FakeTelegram,
    voting: tuple[GroupPoll, Registration],
    tatarstan: Region,
    event: Event,
    coordinator: User,
) -> None:
    poll, registration = voting
    assert vote(telegram, poll, 3001, [0]) == InboundEvent.State.PROCESSED
    registration.refresh_from_db()
    assert registration.state == S.REGISTERED
    assert M.objects.filter(person=registration.person, template="programme.registered").exists()

    other = invite(event, on_telegram(tatarstan, 3002), coordinator)
    vote(telegram, poll, 3002, [1])
    other.refresh_from_db()
    assert other.state == S.DECLINED


def test_no_after_yes_asks_in_private_before_giving_the_place_up(
    telegram: FakeTelegram, voting: tuple[GroupPoll, Registration]
) -> None:
    poll, registration = voting
    vote(telegram, poll, 3001, [0])
    vote(telegram, poll, 3001, [1])

    registration.refresh_from_db()
    assert registration.state == S.REGISTERED  # not given up by a vote in a group
    question = M.objects.filter(person=registration.person, template="text").get()
    assert question.context["buttons"][0]["id"] == f"rsvp:cancel:{registration.pk}"
    # Asked in the person's own language (Russian here), naming the event.
    assert registration.event.title in question.context["text"]


def test_unlinked_users_and_withdrawn_votes_change_nothing(
    telegram: FakeTelegram, voting: tuple[GroupPoll, Registration], tatarstan: Region
) -> None:
    poll, registration = voting
    before = (M.objects.count(), RegistrationTransition.objects.count(), Person.objects.count())

    assert vote(telegram, poll, 999_999, [0]) == InboundEvent.State.IGNORED  # unknown to us
    assert vote(telegram, poll, 3001, []) == InboundEvent.State.IGNORED  # vote withdrawn
    on_telegram(tatarstan, 3003)  # linked, but not on the event's list
    before_outsider = (M.objects.count(), RegistrationTransition.objects.count())
    assert vote(telegram, poll, 3003, [0]) == InboundEvent.State.IGNORED

    assert (M.objects.count(), RegistrationTransition.objects.count()) == before_outsider
    assert before[:2] == before_outsider
    assert not TelegramChat.objects.filter(chat_id=999_999).exists()
    registration.refresh_from_db()
    assert registration.state == S.INVITED


def test_a_vote_after_registrations_closed_is_answered_privately(
    telegram: FakeTelegram, voting: tuple[GroupPoll, Registration], event: Event
) -> None:
    poll, registration = voting
    Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)

    assert vote(telegram, poll, 3001, [0]) == InboundEvent.State.PROCESSED
    registration.refresh_from_db()
    assert registration.state == S.INVITED
    told = M.objects.get(person=registration.person, template="text")
    assert "запись закрыта" in told.context["text"]  # in the person's language


def test_votes_on_polls_we_did_not_send_are_ignored(telegram: FakeTelegram) -> None:
    update = telegram.make_poll_answer_update("5000000000000000123", 3001, [0])
    inbound.inbound_store(channel="telegram", external_id=str(update["update_id"]), payload=update)
    inbound.inbound_run_once()
    assert InboundEvent.objects.get().state == InboundEvent.State.IGNORED


# --- pages ------------------------------------------------------------------------------------


def test_event_panel_is_for_those_who_manage_the_event(
    event: Event, group: TelegramChat, coordinator: User, tatarstan: Region
) -> None:
    member = UserFactory.create(role=User.Role.NGO_MEMBER)
    elsewhere = regional_coordinator(RegionFactory.create(code="RU-BA"))
    assert groups.event_groups_panel(scope=scope_for(member), event=event) is None
    assert groups.event_groups_panel(scope=scope_for(elsewhere), event=event) is None

    panel = groups.event_groups_panel(scope=scope_for(coordinator), event=event)
    assert panel is not None and panel.link is None and panel.attachable == [group]
    from django.template.loader import render_to_string

    html = render_to_string("messaging/_event_groups.html", {"panel": panel})
    assert "Choose the event" in html and "Казань 2026" in html


def test_event_pages_attach_announce_and_ask(
    telegram: FakeTelegram, event: Event, group: TelegramChat, coordinator: User, tatarstan: Region
) -> None:
    invite(event, on_whatsapp(tatarstan, "+79160000001"), coordinator)
    client = client_for(coordinator)
    attach = client.post(reverse("broadcasts:event_group", args=[event.pk]), {"chat": group.pk})
    assert attach.status_code == 302 and EventChat.objects.get(event=event).chat == group

    form = client.get(reverse("broadcasts:event_announce", args=[event.pk])).content.decode()
    assert "Казань 2026" in form and "1 invited person uses WhatsApp" in form
    key = groups.announcement_key()
    data = {"text": "Сбор в 9:00", "whatsapp": "on", "key": key}
    url = reverse("broadcasts:event_announce", args=[event.pk])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice: queued once
    assert M.objects.filter(template=ANNOUNCEMENT, chat=group).count() == 1
    assert M.objects.filter(template=ANNOUNCEMENT, person__isnull=False).count() == 1

    poll = client.post(reverse("broadcasts:event_poll", args=[event.pk]), follow=True)
    assert "Will you come?" in poll.content.decode() and GroupPoll.objects.count() == 1


def test_group_pages_are_not_found_for_others(
    event: Event, group: TelegramChat, tatarstan: Region
) -> None:
    member = client_for(
        UserFactory.create(role=User.Role.NGO_MEMBER, person=PersonFactory.create(region=tatarstan))
    )
    assert member.get(reverse("broadcasts:groups")).status_code == 404
    assert member.get(reverse("broadcasts:event_announce", args=[event.pk])).status_code == 404
    assert member.post(reverse("broadcasts:event_poll", args=[event.pk])).status_code == 404
    assert member.post(reverse("broadcasts:group_link", args=[group.pk])).status_code == 404
    elsewhere = client_for(regional_coordinator(RegionFactory.create(code="RU-BA")))
    assert elsewhere.get(reverse("broadcasts:event_announce", args=[event.pk])).status_code == 404
    group.region = tatarstan
    group.save()
    assert elsewhere.post(reverse("broadcasts:group_link", args=[group.pk])).status_code == 404
    assert "Казань 2026" not in elsewhere.get(reverse("broadcasts:groups")).content.decode()


def test_group_list_sets_a_region_and_shows_an_invite_link(
    telegram: FakeTelegram, group: TelegramChat, tatarstan: Region
) -> None:
    client = client_for(regional_coordinator(tatarstan))
    assert "Казань 2026" in client.get(reverse("broadcasts:groups")).content.decode()  # unclaimed

    client.post(reverse("broadcasts:group_region", args=[group.pk]), {"region": tatarstan.pk})
    group.refresh_from_db()
    assert group.region == tatarstan
    page = client.post(reverse("broadcasts:group_link", args=[group.pk])).content.decode()
    assert telegram.invite_links()[0]["invite_link"] in page


def test_only_coordinators_of_the_groups_region_post_in_it(
    group: TelegramChat, tatarstan: Region
) -> None:
    group.region = tatarstan
    group.save()
    member = UserFactory.create(role=User.Role.NGO_MEMBER)
    elsewhere = regional_coordinator(RegionFactory.create(code="RU-BA"))
    for user in (member, elsewhere):
        with pytest.raises(PermissionDenied):
            groups.group_announce(chat=group, text="Привет", by=user)
    groups.group_announce(chat=group, text="Привет", by=regional_coordinator(tatarstan))
    assert M.objects.count() == 1
