"""Telegram groups of events and regions, their RSVP polls, and WhatsApp's one-to-one stand-in.

The bot learns of a group when it is added to it (a `my_chat_member` update, stored as a
`TelegramChat` by `inbound`); a coordinator then attaches the group to an event or a region.
Announcements to a group go through the outbox like any message. A poll needs Telegram's
`poll_id` to match votes to the event, so it is queued as a `GroupPoll` and sent by a worker
task that records the id; nothing is sent from a web request. Votes arrive as `poll_answer`
updates and become registration answers through the programme's services.

A WhatsApp bot cannot be in ordinary groups, so the same announcement goes one-to-one, as a
template with RSVP buttons, to every invited person whose channel is WhatsApp.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for
from concord.directory.models import Person
from concord.messaging.broadcasts import people_routes
from concord.messaging.group_models import EventChat, GroupPoll
from concord.messaging.inbound import register_update_handler, telegram_chat_migrate
from concord.messaging.messages import ANNOUNCEMENT
from concord.messaging.models import Channel, InboundEvent, OutboundMessage, TelegramChat
from concord.messaging.providers import provider_for
from concord.messaging.providers.base import ChatMigrated, Rejected, RetryLater, Undeliverable
from concord.messaging.rendering import person_language
from concord.messaging.services import message_enqueue
from concord.programme.models import Event, Registration
from concord.programme.services import (
    ACTIVE,
    RegistrationError,
    registration_accept,
    registration_decline,
)
from concord.regions.models import Region

logger = logging.getLogger(__name__)
S = Registration.State
GROUP_KINDS = (TelegramChat.Kind.GROUP, TelegramChat.Kind.SUPERGROUP)
YES, NO = 0, 1  # the poll's options, in this order
POLL_RETRY_DELAYS = (5, 30, 120, 600)  # seconds before attempt 2, 3, …; then it fails
QUESTION_MAX, OPTION_MAX = 300, 100  # Telegram's limits for sendPoll


class GroupError(ValidationError):
    """A group action that cannot be done, with a message for the coordinator."""


@runtime_checkable
class GroupApi(Protocol):
    """The Telegram calls groups need beyond `send` (TelegramProvider has them)."""

    def create_chat_invite_link(self, chat_id: int | str, name: str) -> str: ...

    def send_poll(
        self, chat_id: int | str, question: str, options: list[str]
    ) -> tuple[int, str]: ...


def _group_api() -> GroupApi:
    provider = provider_for(Channel.TELEGRAM)
    if not provider.is_configured() or not isinstance(provider, GroupApi):
        raise GroupError(_("Telegram is not set up on this installation."), code="no_telegram")
    return provider


def _address(chat: TelegramChat) -> int:
    """Where the group is now: a group that became a supergroup has a new id."""
    return chat.migrated_to or chat.chat_id


def _ensure_group(chat: TelegramChat) -> None:
    if chat.kind not in GROUP_KINDS:
        raise GroupError(_("“%(chat)s” is not a group.") % {"chat": chat}, code="not_group")


# --- queries the pages need -------------------------------------------------------------------


def groups_visible(*, scope: Scope) -> QuerySet[TelegramChat]:
    """The groups a coordinator may work with: those of their regions and of the events they
    manage, and groups nobody has claimed yet (the bot was just added to them)."""
    if not scope.is_coordinator:
        return TelegramChat.objects.none()
    groups = TelegramChat.objects.filter(kind__in=GROUP_KINDS).select_related("region")
    if scope.region_ids is not None:
        mine = Q(region_id__in=scope.region_ids) | Q(
            event_links__event__host_region_id__in=scope.region_ids
        )
        unclaimed = Q(region__isnull=True, event_links__isnull=True)
        groups = groups.filter(mine | unclaimed).distinct()
    return groups.order_by("title", "pk")


def groups_attachable(*, scope: Scope) -> QuerySet[TelegramChat]:
    """Groups in which the bot is an administrator: only there can it create invite links."""
    return groups_visible(scope=scope).filter(bot_is_admin=True)


def group_events(*, chats: list[TelegramChat]) -> dict[int, list[Event]]:
    """The events each group belongs to, in one query."""
    events: dict[int, list[Event]] = {}
    links = EventChat.objects.filter(chat__in=chats).select_related("event", "chat")
    for link in links.order_by("event__starts_at"):
        events.setdefault(link.chat.pk, []).append(link.event)
    return events


def event_group(*, event: Event) -> EventChat | None:
    return EventChat.objects.select_related("chat").filter(event=event).first()


def event_whatsapp_people(*, event: Event) -> list[Registration]:
    """Active registrations of the event whose person is reached through WhatsApp now."""
    registrations = list(
        Registration.objects.filter(event=event, state__in=ACTIVE).select_related("person")
    )
    people = Person.objects.filter(pk__in=[r.person_id for r in registrations])
    routes = people_routes(people)
    return [r for r in registrations if routes.get(r.person_id) == Channel.WHATSAPP]


@dataclass(frozen=True)
class EventGroupsPanel:
    """What the event page shows its coordinators about the event's group."""

    event: Event
    link: EventChat | None
    attachable: list[TelegramChat]
    polls: list[GroupPoll]
    whatsapp_count: int


def event_groups_panel(*, scope: Scope, event: Event) -> EventGroupsPanel | None:
    """The event page's group panel; None for anyone who does not manage the event."""
    if not scope.can_manage_event(event.host_region_id):
        return None
    return EventGroupsPanel(
        event=event,
        link=event_group(event=event),
        attachable=list(groups_attachable(scope=scope)),
        polls=list(GroupPoll.objects.filter(event=event).select_related("chat")[:5]),
        whatsapp_count=len(event_whatsapp_people(event=event)),
    )


# --- attaching, invite links, announcements -------------------------------------------------


def _ensure_may_manage(by: User, *, event: Event | None, region: Region | None) -> None:
    scope = scope_for(by)
    if not scope.is_coordinator:
        raise PermissionDenied("Groups are managed by coordinators.")
    if event is not None and not scope.can_manage_event(event.host_region_id):
        raise PermissionDenied("This coordinator does not manage the event.")
    if region is not None and not scope.covers_region(region.pk):
        raise PermissionDenied("This coordinator does not cover the region.")


def group_attach(
    *,
    chat: TelegramChat,
    event: Event | None = None,
    region: Region | None = None,
    by: User,
) -> TelegramChat:
    """Make a group the event's group and/or its region's group (the last one chosen wins)."""
    if event is None and region is None:
        raise GroupError(_("Choose an event or a region for the group."), code="nothing")
    _ensure_may_manage(by, event=event, region=region)
    _ensure_group(chat)
    if not chat.bot_is_admin:
        raise GroupError(
            _("Make the bot an administrator of “%(chat)s” first.") % {"chat": chat},
            code="not_admin",
        )
    with transaction.atomic():
        if event is not None:
            EventChat.objects.update_or_create(
                event=event, defaults={"chat": chat, "attached_by": by}
            )
        if region is not None:
            chat.region = region
            chat.save(update_fields=["region"])
    return chat


def group_invite_link(*, chat: TelegramChat, name: str) -> str:
    """A new invite link to the group (the bot must be an administrator allowed to invite).

    Called while the coordinator waits: the link is what they asked for, and creating one
    sends nothing to anyone."""
    _ensure_group(chat)
    api = _group_api()
    try:
        return api.create_chat_invite_link(_address(chat), name)
    except ChatMigrated as moved:
        telegram_chat_migrate(old_chat_id=chat.chat_id, new_chat_id=moved.new_chat_id)
        return api.create_chat_invite_link(moved.new_chat_id, name)
    except (RetryLater, Undeliverable, Rejected) as error:
        raise _invite_error(chat, error) from error


def _invite_error(chat: TelegramChat, error: Exception) -> GroupError:
    if isinstance(error, RetryLater):
        text = _("Telegram did not answer. Please try again in a minute.")
    elif isinstance(error, Undeliverable):
        text = _(
            "The bot is no longer in “%(chat)s”, or the group was deleted. "
            "Add the bot to the group again as an administrator."
        )
    elif "right" in str(error).lower() or "admin" in str(error).lower():
        text = _(
            "The bot may not invite people to “%(chat)s”. Make it an administrator "
            "with the right to invite users."
        )
    else:
        text = _("Telegram refused to create a link for “%(chat)s”: %(reason)s")
    logger.warning("Invite link for chat %s failed: %s", chat.chat_id, error)
    return GroupError(text % {"chat": chat, "reason": error}, code="invite_link")


def announcement_key() -> str:
    """A fresh key for one announcement; a form carries it so that sending twice is once."""
    return uuid.uuid4().hex


def group_announce(
    *,
    chat: TelegramChat,
    text: str,
    by: User,
    event: Event | None = None,
    key: str = "",
) -> OutboundMessage:
    """Post an announcement in the group (through the outbox), under the event's title."""
    _ensure_group(chat)
    # The event's coordinators post in its group; otherwise the group's region decides.
    _ensure_may_manage(by, event=event, region=None if event else chat.region)
    _ensure_text(text)
    return message_enqueue(
        chat=chat,
        template=ANNOUNCEMENT,
        context={"text": text, "event": event.pk if event else None},
        dedupe_key=f"groups:announce:{key or announcement_key()}:chat:{chat.pk}",
        priority=OutboundMessage.Priority.NORMAL,
    )


def _ensure_text(text: str) -> None:
    if not text.strip():
        raise GroupError(_("Write the announcement first."), code="empty")


def announcement_whatsapp_one_to_one(*, event: Event, text: str, by: User, key: str = "") -> int:
    """The event's announcement to each invited person reached through WhatsApp, one by one,
    as a template with RSVP buttons. Returns how many messages were queued."""
    _ensure_may_manage(by, event=event, region=None)
    _ensure_text(text)
    key = key or announcement_key()
    registrations = event_whatsapp_people(event=event)
    with transaction.atomic():
        for registration in registrations:
            message_enqueue(
                person=registration.person,
                template=ANNOUNCEMENT,
                context={"text": text, "event": event.pk, "registration": registration.pk},
                dedupe_key=f"groups:announce:{key}:person:{registration.person_id}",
                priority=OutboundMessage.Priority.NORMAL,
            )
    return len(registrations)


# --- RSVP polls -------------------------------------------------------------------------------


def group_rsvp_poll(*, event: Event, chat: TelegramChat, by: User) -> GroupPoll:
    """Queue a non-anonymous poll "Will you come to <event>?" (Yes / No) in the group.

    Asked in the installation's language, the group's common one. The task that sends it is
    queued in the same transaction as the poll, and a worker runs it within seconds."""
    _ensure_may_manage(by, event=event, region=None)
    _ensure_group(chat)
    _group_api()  # refuse now, not in the worker, when Telegram is not set up
    with translation.override(settings.LANGUAGE_CODE):
        question = _("Will you come to “%(title)s”?") % {"title": event.title}
        options = [_("Yes, I will come")[:OPTION_MAX], _("No, I can't")[:OPTION_MAX]]
    with transaction.atomic():
        poll = GroupPoll.objects.create(
            chat=chat,
            event=event,
            question=_clip(question, QUESTION_MAX),
            options=options,
            created_by=by,
        )
        group_poll_send.enqueue(poll.pk)
    return poll


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@task()
def group_poll_send(poll_pk: int) -> str:
    """Send a queued poll and record Telegram's ids; retried a few times with delays."""
    poll = GroupPoll.objects.select_related("chat").filter(pk=poll_pk).first()
    if poll is None or poll.state != GroupPoll.State.QUEUED:
        return "skipped"  # sent already, or deleted with its event
    try:
        message_id, poll_id = _group_api().send_poll(
            _address(poll.chat), poll.question, list(poll.options)
        )
    except ChatMigrated as moved:
        telegram_chat_migrate(old_chat_id=poll.chat.chat_id, new_chat_id=moved.new_chat_id)
        return _poll_retry(poll, str(moved), delay=0)
    except (RetryLater, GroupError) as error:
        return _poll_retry(poll, str(error))
    except (Undeliverable, Rejected) as error:
        return _poll_save(poll, GroupPoll.State.FAILED, error=str(error))
    poll.poll_id, poll.message_id, poll.sent_at = poll_id, message_id, timezone.now()
    return _poll_save(poll, GroupPoll.State.SENT, error="")


def _poll_save(poll: GroupPoll, state: str, *, error: str) -> str:
    poll.state, poll.error = state, error[:2000]
    poll.attempts += 1
    poll.save()
    if state == GroupPoll.State.FAILED:
        logger.warning("RSVP poll %s not sent: %s", poll.pk, error)
    return state


def _poll_retry(poll: GroupPoll, error: str, *, delay: float | None = None) -> str:
    if poll.attempts >= len(POLL_RETRY_DELAYS):
        return _poll_save(poll, GroupPoll.State.FAILED, error=f"Gave up: {error}")
    wait = POLL_RETRY_DELAYS[poll.attempts] if delay is None else delay
    with transaction.atomic():
        state = _poll_save(poll, GroupPoll.State.QUEUED, error=error)
        run_after = timezone.now() + timedelta(seconds=wait)
        group_poll_send.using(run_after=run_after).enqueue(poll.pk)
    return state


# --- votes --------------------------------------------------------------------------------


def poll_answer_handle(inbound: InboundEvent, answer: dict[str, Any]) -> bool:
    """A vote in one of our RSVP polls: Yes accepts the invitation, No declines it.

    Only people who linked their Telegram account (their private chat with the bot has the
    same id as their user) and are on the event's list count; anyone else is ignored, and
    for someone we do not know nothing is written."""
    polls = GroupPoll.objects.select_related("event").filter(poll_id=str(answer.get("poll_id")))
    found = polls.first()
    user: dict[str, Any] = answer["user"] if isinstance(answer.get("user"), dict) else {}
    person = _linked_person(user.get("id"))
    if found is None or person is None:
        logger.info("Vote ignored: poll %s, Telegram user %s", answer.get("poll_id"), user)
        return False
    registration = Registration.objects.filter(event=found.event, person=person).first()
    options = [o for o in answer.get("option_ids") or [] if isinstance(o, int)]
    if registration is None or not options:
        logger.info(
            "Vote of person %s on poll %s ignored (not invited, or withdrawn)", person.pk, found.pk
        )
        return False
    with translation.override(person_language(person)):
        return _vote(registration, options[0], key=f"{found.pk}:{inbound.pk}")


def _linked_person(user_id: object) -> Person | None:
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    chat = (
        TelegramChat.objects.filter(
            chat_id=user_id, kind=TelegramChat.Kind.PRIVATE, person__isnull=False
        )
        .select_related("person")
        .first()
    )
    return chat.person if chat else None


def _vote(registration: Registration, option: int, *, key: str) -> bool:
    person = registration.person
    by = User.objects.filter(person=person).first()
    try:
        if option == YES:
            registration_accept(registration=registration, by=by)
        elif option == NO and registration.state in (S.INVITED, S.OFFERED):
            registration_decline(registration=registration, by=by)
        elif option == NO and registration.state in (S.REGISTERED, S.CONFIRMED, S.WAITLISTED):
            _ask_to_give_up(registration, key=key)
        else:
            return False
    except RegistrationError as error:
        # Registrations closed, or an offer that lapsed: say so privately, not in the group.
        _tell(person, " ".join(error.messages), key=f"groups:vote:{key}:refused")
    return True


def _ask_to_give_up(registration: Registration, *, key: str) -> None:
    """A "No" after saying yes: a place is not given up by a vote in a group; the bot asks
    in private first, with its own buttons (as for a "no" on an old invitation)."""
    line = _("You voted “No” for “%(title)s”, but you have a place. Do you want to give it up?")
    buttons = [
        {"id": f"rsvp:cancel:{registration.pk}", "title": _("Yes, give it up")},
        {"id": "menu:my_events", "title": _("No, keep it")},
    ]
    _tell(
        registration.person,
        line % {"title": registration.event.title},
        key=f"groups:vote:{key}:give-up",
        buttons=buttons,
    )


def _tell(person: Person, text: str, *, key: str, buttons: list[Any] | None = None) -> None:
    message_enqueue(
        person=person,
        template="text",
        context={"text": text, "buttons": buttons or []},
        dedupe_key=key,
    )


def register() -> None:
    """Plug the vote handler into the inbound dispatcher (call from an AppConfig.ready)."""
    register_update_handler("telegram.poll_answer", poll_answer_handle)
