"""The conversation engine: from one thing a person did in a chat to the bot's answers.

A flow is one module in `concord/bot/flows/` with one `Flow` subclass decorated with
`@flow("name")`. It says which main-menu button starts it (`menu_label`), which button ids it
answers (`callback_prefix`, e.g. "rsvp" for "rsvp:accept:12"), and what to do when it begins
(`begin`), on typed text while it is the chat's current flow (`on_text`), on a photo, voice
message, file or shared location (`on_media`) and on its buttons (`on_button`). The engine does
the rest: it loads and saves the chat's `Conversation` row (so a conversation survives
restarts and moves freely between workers), finds the person, routes `/start <token>`, menu
buttons, button ids, media and free text, switches to the person's language, and queues every
answer in the outbox with a key derived from the inbound event, so processing an event twice
never answers twice. A flow may `keep` something (a half-written report) in the chat's state
across other flows until it `drop`s it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from concord.bot.models import Conversation
from concord.directory.models import Person
from concord.messaging.models import Channel, TelegramChat, WhatsAppContact
from concord.messaging.rendering import esc, person_language
from concord.messaging.services import message_enqueue

logger = logging.getLogger(__name__)
START, HELP = "start", "help"
MENU_PREFIX = "menu:"
KEPT = "_kept"  # Conversation.data key of what flows keep across other flows


@dataclass(frozen=True)
class Attachment:
    """A photo, voice message, video or file sent in the chat, by the channel's file id; the
    file itself is fetched later by a worker (concord.incidents.attachments)."""

    kind: str  # "photo", "voice", "video" or "document" (incidents' ReportAttachment.Kind)
    file_id: str
    size: int | None = None  # bytes, when the channel says (Telegram does, WhatsApp does not)
    mime: str = ""


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat, whatever the channel."""

    channel: str
    chat_key: str  # Telegram chat id, or WhatsApp number in E.164
    event_id: int  # the InboundEvent: answers are keyed by it
    text: str = ""  # typed text, or the label of a tapped menu (reply-keyboard) button
    data: str = ""  # the id of a tapped button (Telegram callback data, WhatsApp reply id)
    callback_id: str = ""  # Telegram: the callback query to acknowledge
    first_name: str = ""
    language_hint: str = ""  # Telegram: the language of the person's app
    attachments: tuple[Attachment, ...] = ()  # with a photo or file, `text` is its caption
    location: Location | None = None

    @property
    def has_media(self) -> bool:
        return bool(self.attachments) or self.location is not None


# A reply-keyboard row item: a label, or a Telegram KeyboardButton such as
# {"text": "📍 Send my location", "request_location": True}.
KeyboardItem = str | dict[str, Any]


@dataclass(frozen=True)
class Reply:
    text: str
    html: str
    buttons: tuple[tuple[str, str], ...] = ()  # (id, title)
    keyboard: tuple[tuple[KeyboardItem, ...], ...] = ()  # Telegram reply keyboard rows


class Turn:
    """One incoming message and what the bot answers to it; handed to the flows."""

    def __init__(
        self,
        incoming: Incoming,
        conversation: Conversation,
        person: Person | None,
        chat: TelegramChat | None = None,
    ) -> None:
        self.incoming = incoming
        self.conversation = conversation
        self.person = person
        self.chat = chat  # the private Telegram chat written from (None on WhatsApp)
        self.language = _language(person, incoming.language_hint)
        self.replies: list[Reply] = []
        self.show_menu = False
        self.toast = ""  # Telegram: the short notice shown where the button was tapped

    def say(
        self,
        text: str,
        *,
        html: str | None = None,
        buttons: Iterable[tuple[str, str]] = (),
        keyboard: Iterable[Iterable[KeyboardItem]] = (),
    ) -> None:
        """Queue an answer. `html` (Telegram) must escape everything that came from people;
        without it the plain text is escaped whole. `keyboard` (Telegram) replaces the menu
        under the text field; a message has either `buttons` or a `keyboard`."""
        rows = tuple(tuple(row) for row in keyboard)
        html = html if html is not None else esc(text)
        self.replies.append(Reply(text, html, tuple(buttons), rows))

    def menu(self) -> None:
        """Show the main menu with the last answer."""
        self.show_menu = True

    def menu_keyboard(self) -> list[list[KeyboardItem]]:
        """The main menu as reply-keyboard rows (Telegram), for `say(..., keyboard=...)`."""
        return [[_(f.menu_label)] for f in menu_flows(self.person)]

    def goto(self, flow_name: str, step: str = "", **data: Any) -> None:
        """Make `flow_name` the chat's current flow; what flows keep (`keep`) stays."""
        kept = (self.conversation.data or {}).get(KEPT)
        self.conversation.flow, self.conversation.step = flow_name, step
        self.conversation.data = {**data, KEPT: kept} if kept else data

    def kept(self, name: str) -> dict[str, Any] | None:
        """What a flow kept for later (a half-written report), whatever flow is current."""
        data = self.conversation.data if isinstance(self.conversation.data, dict) else {}
        value = (data.get(KEPT) or {}).get(name)
        return value if isinstance(value, dict) else None

    def keep(self, name: str, value: dict[str, Any]) -> None:
        """Keep `value` in the chat's stored state until `drop`, across other flows."""
        data = dict(self.conversation.data) if isinstance(self.conversation.data, dict) else {}
        data[KEPT] = {**(data.get(KEPT) or {}), name: value}
        self.conversation.data = data

    def drop(self, name: str) -> None:
        data = dict(self.conversation.data) if isinstance(self.conversation.data, dict) else {}
        kept = {k: v for k, v in (data.get(KEPT) or {}).items() if k != name}
        data[KEPT] = kept
        if not kept:
            del data[KEPT]
        self.conversation.data = data

    def not_understood(self) -> None:
        text = self.incoming.text.strip()
        if text:
            shown = text[:100]
            line = _("Sorry, I did not understand “%(text)s”.")
            self.say(line % {"text": shown}, html=line % {"text": esc(shown)})
        else:
            self.say(_("Sorry, I can only read text and buttons."))
        self.say(_("Please choose what you need with the buttons below."))
        self.menu()


class Flow:
    """Base of every flow; subclasses override what they need."""

    name: ClassVar[str] = ""
    menu_label: ClassVar[str] = ""  # English source marked with gettext_noop; "" = no button
    menu_hint: ClassVar[str] = ""  # what the button does, for Help (gettext_noop too)
    menu_order: ClassVar[int] = 100
    needs_link: ClassVar[bool] = True  # only for chats linked to a person of the directory
    callback_prefix: ClassVar[str] = ""

    def begin(self, turn: Turn, argument: str = "") -> None:
        raise NotImplementedError

    def on_text(self, turn: Turn, text: str) -> None:
        turn.not_understood()

    def on_button(self, turn: Turn, data: str) -> None:
        turn.not_understood()

    def on_media(self, turn: Turn) -> None:
        """A photo, voice message, video, file or location (`turn.incoming.attachments`,
        `.location`; a caption is in `.text`) while this flow is the chat's current one."""
        turn.not_understood()


FLOWS: dict[str, Flow] = {}
F = TypeVar("F", bound=type[Flow])


def flow(name: str) -> Callable[[F], F]:
    """Class decorator: `@flow("my_events")` registers the flow under its name."""

    def register(cls: F) -> F:
        cls.name = name
        FLOWS[name] = cls()
        return cls

    return register


# --- menu ------------------------------------------------------------------------------------


def menu_flows(person: Person | None) -> list[Flow]:
    """The flows of the main menu; without a linked person only those that need no link."""
    shown = [f for f in FLOWS.values() if f.menu_label and (person or not f.needs_link)]
    return sorted(shown, key=lambda f: (f.menu_order, f.name))


def _normalise(text: str) -> str:
    """Letters, digits and single spaces, case-folded: "📅 Мои мероприятия" == "мои мероприятия"."""
    return " ".join(re.sub(r"[^\w\s]", " ", text).split()).casefold()


def flow_for_label(text: str) -> Flow | None:
    """A menu button's label, in any of the installation's languages, or typed by hand."""
    wanted = _normalise(text)
    if not wanted:
        return None
    for candidate in FLOWS.values():
        if candidate.menu_label and wanted in _labels(candidate.menu_label):
            return candidate
    return None


def _labels(source: str) -> set[str]:
    labels = {_normalise(source)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(_normalise(_(source)))
    return labels


# --- handling --------------------------------------------------------------------------------


def _language(person: Person | None, hint: str) -> str:
    if person is not None:
        return person_language(person)
    return "en" if hint.lower().startswith("en") else settings.LANGUAGE_CODE


def _chat_person(incoming: Incoming) -> tuple[Person | None, TelegramChat | None]:
    """Who is writing: the person linked to this Telegram chat or WhatsApp number."""
    if incoming.channel == Channel.TELEGRAM:
        chat, _created = TelegramChat.objects.select_related("person").get_or_create(
            chat_id=int(incoming.chat_key), defaults={"kind": TelegramChat.Kind.PRIVATE}
        )
        return chat.person, chat
    contact = WhatsAppContact.objects.filter(phone=incoming.chat_key).first()
    return (contact.person if contact else None), None


def _conversation(incoming: Incoming) -> Conversation:
    """The chat's state, locked until the event's transaction ends: two messages of one chat
    processed by two workers at once take turns instead of overwriting each other."""
    Conversation.objects.get_or_create(channel=incoming.channel, chat_key=incoming.chat_key)
    return Conversation.objects.select_for_update().get(
        channel=incoming.channel, chat_key=incoming.chat_key
    )


def handle(incoming: Incoming) -> Turn:
    """Answer one incoming message; call inside the inbound event's transaction."""
    conversation = _conversation(incoming)
    person, chat = _chat_person(incoming)
    turn = Turn(incoming, conversation, person, chat)
    with translation.override(turn.language):
        route(turn)
    with translation.override(turn.language):  # linking may have changed the language
        _enqueue(turn, chat)
    conversation.person = turn.person
    conversation.save()
    return turn


def route(turn: Turn) -> None:
    """`/start`, then tapped buttons, then media for the current flow, then menu labels, then
    text for the current flow."""
    incoming = turn.incoming
    command, argument = _command(incoming.text)
    current = FLOWS.get(turn.conversation.flow)
    if command == "start":
        FLOWS[START].begin(turn, argument)
    elif command in ("help", "menu"):
        begin(turn, FLOWS[HELP] if command == "help" else None)
    elif incoming.data:
        _route_button(turn, incoming.data)
    elif incoming.has_media:
        if current is None:
            turn.not_understood()
        elif _allowed(turn, current):
            current.on_media(turn)
    elif (chosen := flow_for_label(incoming.text)) is not None:
        begin(turn, chosen)
    elif current is not None and incoming.text.strip():
        if _allowed(turn, current):
            current.on_text(turn, incoming.text)
    else:
        turn.not_understood()


def _command(text: str) -> tuple[str, str]:
    """("start", "abc") for "/start abc", "/start@ConcordBot abc" or a typed "start abc"."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return "", ""
    head = words[0].lower().split("@", 1)[0]
    if head.startswith("/") or head == "start":
        return head.lstrip("/"), words[1].strip() if len(words) > 1 else ""
    return "", ""


def _route_button(turn: Turn, data: str) -> None:
    if data.startswith(MENU_PREFIX):
        begin(turn, FLOWS.get(data.removeprefix(MENU_PREFIX)))
        return
    prefix = data.split(":", 1)[0]
    owner = next((f for f in FLOWS.values() if f.callback_prefix == prefix), None)
    if owner is None or not prefix:
        turn.not_understood()
    elif _allowed(turn, owner):
        owner.on_button(turn, data)


def _allowed(turn: Turn, chosen: Flow) -> bool:
    """A flow that needs a linked person explains how to get linked instead."""
    if chosen.needs_link and turn.person is None:
        FLOWS[START].begin(turn, "")
        return False
    return True


def begin(turn: Turn, chosen: Flow | None) -> None:
    """Start a flow from the menu; None shows the menu itself."""
    if chosen is None:
        turn.goto("")
        turn.say(_("What would you like to do?"))
        turn.menu()
        return
    if _allowed(turn, chosen):
        turn.goto(chosen.name)
        chosen.begin(turn, "")


# --- answers -----------------------------------------------------------------------------


def _enqueue(turn: Turn, chat: TelegramChat | None) -> None:
    """Queue the answers through the outbox, keyed by the inbound event."""
    recipient = _recipient(turn, chat)
    if recipient is None:
        return
    replies = turn.replies
    for n, reply in enumerate(replies):
        context: dict[str, Any] = {
            "text": reply.text,
            "html": reply.html,
            "buttons": [{"id": i, "title": t} for i, t in reply.buttons],
        }
        if reply.keyboard:
            context["keyboard"] = [list(row) for row in reply.keyboard]
        if turn.show_menu and n == len(replies) - 1 and not (reply.buttons or reply.keyboard):
            context.update(_menu_markup(turn))
        message_enqueue(
            template="text",
            context=context,
            dedupe_key=f"bot:{turn.incoming.event_id}:{n}",
            **recipient,
        )


def _recipient(turn: Turn, chat: TelegramChat | None) -> dict[str, Any] | None:
    """Answers go back to the chat the person wrote from: the Telegram chat, or the WhatsApp
    number (linked or not; a linked person's language is used)."""
    if chat is not None:
        return {"chat": chat}
    if turn.incoming.channel == Channel.WHATSAPP:
        return {
            "person": turn.person,
            "reply_channel": Channel.WHATSAPP,
            "reply_address": turn.incoming.chat_key,
        }
    if turn.person is not None:
        return {"person": turn.person}
    logger.info("No answer to unlinked %s chat %s", turn.incoming.channel, turn.incoming.chat_key)
    return None


def _menu_markup(turn: Turn) -> dict[str, Any]:
    """Telegram: a reply keyboard, one big button per row. WhatsApp: up to three reply
    buttons, which carry the flow's id so that they work in any language."""
    flows = menu_flows(turn.person)
    if turn.incoming.channel == Channel.TELEGRAM:
        return {"keyboard": turn.menu_keyboard()}
    return {"buttons": [{"id": MENU_PREFIX + f.name, "title": _(f.menu_label)} for f in flows[:3]]}
