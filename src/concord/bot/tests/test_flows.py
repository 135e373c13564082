"""The engine and the other flows: menus in both languages, free text, escaping, state kept
in the database, replies never doubled, whom to call, help — and the same on WhatsApp."""

from __future__ import annotations

from typing import Any

import pytest

from concord.bot import engine
from concord.bot.engine import Flow, Turn, flow
from concord.bot.models import Conversation
from concord.bot.services import link_token_create
from concord.directory.models import Organisation, Person, PersonRole
from concord.messaging.inbound import inbound_run_once, inbound_store
from concord.messaging.models import InboundEvent, OutboundMessage, TelegramChat, WhatsAppContact
from concord.programme.models import Registration
from concord.regions.models import Region
from concord.testing.factories import MembershipFactory, OrganisationFactory, PersonRoleFactory

from .conftest import CHAT, callback_update, deliver, make_person, message_update, ru, texts

# --- menu and free text ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["📅 My events", "my events", "  MY EVENTS ", "📅My events!"])
def test_menu_labels_match_however_they_are_typed(linked: TelegramChat, typed: str) -> None:
    deliver(message_update(typed))
    assert Conversation.objects.get(chat_key=str(CHAT)).flow == "my_events"


def test_menu_labels_match_in_russian_too(linked: TelegramChat) -> None:
    for label, name in (("📞 Whom to call", "whom_to_call"), ("❓ Help", "help")):
        deliver(message_update(ru(label)))
        assert Conversation.objects.get(chat_key=str(CHAT)).flow == name


def test_unknown_text_is_answered_with_the_menu_and_escaped(linked: TelegramChat) -> None:
    replies = deliver(message_update("<b>привет</b> & <script>"))
    first = replies[0].context
    assert "<b>привет</b> & <script>" in first["text"]  # plain text as typed
    assert "&lt;b&gt;привет&lt;/b&gt; &amp; &lt;script&gt;" in first["html"]
    assert "<b>" not in first["html"]
    assert replies[-1].context["keyboard"]


def test_a_name_with_markup_is_escaped_in_the_greeting(person: Person) -> None:
    token = link_token_create(person=person, by=None)
    person.first_name = "<i>Ан&на</i>"
    person.save()
    replies = deliver(message_update(f"/start {token.token}"))
    assert "&lt;i&gt;Ан&amp;на&lt;/i&gt;" in replies[0].context["html"]


def test_a_sticker_or_photo_is_not_understood_politely(linked: TelegramChat) -> None:
    update = message_update("x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "abc", "width": 512, "height": 512}
    replies = deliver(update)
    assert ru("Sorry, I can only read text and buttons.") in texts(replies)


def test_an_english_reader_gets_english(region: Region) -> None:
    reader = make_person(region, first_name="John", languages="en, de")
    TelegramChat.objects.create(chat_id=CHAT, kind="private", person=reader)
    replies = deliver(message_update("/start", lang="ru"))  # the app's language does not matter
    assert "Hello, John!" in texts(replies)
    assert replies[-1].context["keyboard"] == [
        ["📅 My events"],
        ["📞 Whom to call"],
        ["🆘 Report a problem"],
        ["❓ Help"],
    ]


def test_a_russian_reader_gets_russian(linked: TelegramChat) -> None:
    replies = deliver(message_update("/start", lang="en"))
    assert ru("Hello, %(name)s!") % {"name": "Анна"} in texts(replies)


def test_reprocessing_an_event_never_doubles_the_answers(linked: TelegramChat) -> None:
    replies = deliver(message_update("❓ Help"))
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(state="received")
    inbound_run_once()
    assert OutboundMessage.objects.count() == len(replies)
    assert [m.dedupe_key for m in replies] == [f"bot:{event.pk}:{n}" for n in range(len(replies))]


def test_free_text_goes_to_the_flow_stored_in_the_database(
    linked: TelegramChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(message_update("📅 My events"))
    assert Conversation.objects.get(chat_key=str(CHAT)).flow == "my_events"
    # Nothing in memory says where the chat is (as after a restart): only the row does.
    calls: list[str] = []
    monkeypatch.setattr(engine.FLOWS["my_events"], "on_text", lambda turn, text: calls.append(text))
    deliver(message_update("some words"))
    assert calls == ["some words"]


def test_a_new_flow_is_one_registered_class(linked: TelegramChat) -> None:
    @flow("echo_test")
    class Echo(Flow):
        menu_label = "🔁 Echo"
        menu_order = 50
        callback_prefix = "echo"

        def begin(self, turn: Turn, argument: str = "") -> None:
            turn.say("Say something")

        def on_text(self, turn: Turn, text: str) -> None:
            turn.say(f"You said: {text}")
            turn.menu()

        def on_button(self, turn: Turn, data: str) -> None:
            turn.say(f"Button {data}")

    try:
        assert "Say something" in texts(deliver(message_update("🔁 Echo")))
        replies = deliver(message_update("hello"))
        assert "You said: hello" in texts(replies)
        assert ["🔁 Echo"] in replies[-1].context["keyboard"]
        assert "Button echo:1" in texts(deliver(callback_update("echo:1")))
    finally:
        del engine.FLOWS["echo_test"]


# --- whom to call -----------------------------------------------------------------------------


def contact(region: Region, role: str, **fields: Any) -> Person:
    person = make_person(region, **fields)
    PersonRoleFactory.create(person=person, role=role)
    return person


def test_whom_to_call_lists_the_regions_contacts_with_tappable_numbers(
    linked: TelegramChat, region: Region
) -> None:
    police = contact(
        region,
        PersonRole.Role.POLICE_LIAISON,
        last_name="Магомедов",
        first_name="Руслан",
        patronymic="",
        phone="+79281234567",
        telegram_username="ruslan_mvd",
    )
    MembershipFactory.create(
        person=police,
        organisation=OrganisationFactory.create(region=region, kind="police", name="МВД <по РД>"),
        position="инспектор",
    )
    contact(region, PersonRole.Role.OFFICIAL, phone="+79280000001", whatsapp="+79280000002")
    OrganisationFactory.create(
        region=region, kind=Organisation.Kind.HOST, name="Дом дружбы", phone="+78722000000"
    )
    reply = deliver(message_update("📞 Whom to call"))[0].context
    assert "Магомедов Руслан — инспектор, МВД <по РД>" in reply["text"]
    assert "+79281234567" in reply["text"] and "t.me/ruslan_mvd" in reply["text"]
    assert "wa.me/79280000002" in reply["text"] and "Дом дружбы" in reply["text"]
    assert "+78722000000" in reply["text"]
    assert "МВД &lt;по РД&gt;" in reply["html"]


def test_whom_to_call_shows_at_most_ten(linked: TelegramChat, region: Region) -> None:
    for n in range(7):  # 14 in two sections: each section fits, together they do not
        contact(region, PersonRole.Role.POLICE_LIAISON, phone=f"+7928100{n:04d}")
        contact(region, PersonRole.Role.OFFICIAL, phone=f"+7928200{n:04d}")
    text = deliver(message_update("📞 Whom to call"))[0].context["text"]
    assert text.count("+7928") == 10


def test_whom_to_call_with_nobody_listed(linked: TelegramChat, region: Region) -> None:
    make_person(region)  # an ordinary member is not someone to call
    replies = deliver(message_update("📞 Whom to call"))
    empty = ru("Nobody is listed for %(region)s yet. Your coordinator can add contacts.")
    assert empty % {"region": "Республика Дагестан"} in texts(replies)


def test_help_explains_the_buttons(linked: TelegramChat) -> None:
    replies = deliver(message_update("/help"))
    assert ru("📅 My events") in texts(replies)
    assert ru("Anything else: call your regional coordinator.") in texts(replies)


# --- WhatsApp ------------------------------------------------------------------------------------


PHONE = "79161234567"


def wa_deliver(message: dict[str, Any]) -> list[OutboundMessage]:
    before = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    message = {"from": PHONE, "timestamp": "1767000000", **message}
    payload = {"kind": "message", "message": message, "contact": {"wa_id": PHONE}}
    assert inbound_store(channel="whatsapp", external_id=message["id"], payload=payload)
    inbound_run_once()
    return list(OutboundMessage.objects.filter(pk__gt=before).order_by("pk"))


def test_the_same_flows_on_whatsapp(person: Person, invitation: Registration) -> None:
    person.preferred_channel = Person.Channel.WHATSAPP
    person.whatsapp = f"+{PHONE}"
    person.save()
    token = link_token_create(person=person, by=None)
    replies = wa_deliver(
        {"id": "wamid.1", "type": "text", "text": {"body": f"/start {token.token}"}}
    )
    assert WhatsAppContact.objects.get(phone=f"+{PHONE}").person == person
    assert [b["id"] for b in replies[-1].context["buttons"]] == [
        "menu:my_events",
        "menu:whom_to_call",
        "menu:report",
    ]
    tap = {"type": "button_reply", "button_reply": {"id": "menu:my_events", "title": "x"}}
    replies = wa_deliver({"id": "wamid.2", "type": "interactive", "interactive": tap})
    assert replies[0].context["buttons"][0]["id"] == f"rsvp:accept:{invitation.pk}"
    # A template's quick-reply button carries the id as its payload.
    button = {"payload": f"rsvp:accept:{invitation.pk}", "text": "Yes"}
    wa_deliver({"id": "wamid.3", "type": "button", "button": button})
    invitation.refresh_from_db()
    assert invitation.state == Registration.State.REGISTERED
    assert all(m.person == person for m in replies)


def test_an_unlinked_whatsapp_number_is_answered_on_that_number(db: None) -> None:
    replies = wa_deliver({"id": "wamid.9", "type": "text", "text": {"body": "Привет"}})
    assert replies
    assert InboundEvent.objects.get().state == "processed"
    assert {(m.reply_channel, m.reply_address) for m in replies} == {("whatsapp", f"+{PHONE}")}
    assert all(m.person is None for m in replies)
