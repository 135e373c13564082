"""Report a problem in the chat: every step from real Telegram Update JSON (and WhatsApp
messages), resuming and cancelling, unlinked reporters, and the bad inputs people send."""

from __future__ import annotations

from typing import Any

import pytest

from concord.bot.flows.report import nearest_city, place_from_text
from concord.bot.models import Conversation
from concord.directory.models import EthnicCommunity, Person
from concord.incidents.models import Report, ReportAttachment
from concord.messaging.inbound import inbound_run_once
from concord.messaging.models import InboundEvent, OutboundMessage, TelegramChat
from concord.regions.models import City, Region
from concord.testing.factories import (
    CityFactory,
    EthnicCommunityFactory,
    OrganisationFactory,
    RegionFactory,
)

from .conftest import CHAT, callback_update, deliver, message_update, ru, texts
from .test_flows import PHONE, wa_deliver

MB = 1024 * 1024
REPORT = "🆘 Report a problem"


@pytest.fixture(autouse=True)
def makhachkala(city: City) -> City:
    """The region's city where it really is, for shared locations."""
    city.latitude, city.longitude = 42.98, 47.50
    city.save()
    return city


@pytest.fixture
def communities(region: Region) -> list[EthnicCommunity]:
    """Two communities served by the region's ethnic NGOs, and one from elsewhere."""
    avars = EthnicCommunityFactory.create(name_ru="Аварцы", name_en="Avars")
    russians = EthnicCommunityFactory.create(name_ru="Русские", name_en="Russians")
    OrganisationFactory.create(region=region).communities.add(avars, russians)
    OrganisationFactory.create(region=RegionFactory.create()).communities.add(
        EthnicCommunityFactory.create(name_ru="Чуваши", name_en="Chuvash")
    )
    return [avars, russians]


def say(text: str, **user: Any) -> list[OutboundMessage]:
    return deliver(message_update(text, **user))


def tap(data: str, **user: Any) -> list[OutboundMessage]:
    return deliver(callback_update(data, **user))


def send_media(chat_id: int = CHAT, caption: str = "", **fields: Any) -> list[OutboundMessage]:
    """A message with a photo, voice, document or location instead of text."""
    update = message_update("-", chat_id=chat_id)
    del update["message"]["text"]
    update["message"].update(fields)
    if caption:
        update["message"]["caption"] = caption
    return deliver(update)


def photo(size: int = 90_000, file_id: str = "AgACphoto") -> list[dict[str, Any]]:
    """Telegram's PhotoSize list, smallest first."""
    return [
        {"file_id": f"{file_id}-s", "file_unique_id": "s", "width": 90, "height": 67},
        {
            "file_id": file_id,
            "file_unique_id": "l",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]


def draft(chat_key: str = str(CHAT)) -> dict[str, Any] | None:
    data = Conversation.objects.get(chat_key=chat_key).data
    kept: dict[str, Any] | None = (data.get("_kept") or {}).get("report")
    return kept


def button_ids(message: OutboundMessage) -> list[str]:
    return [b["id"] for b in message.context.get("buttons", [])]


def fill_to_review(text: str = "Драка у рынка, двое дерутся") -> None:
    say(ru(REPORT))
    say(text)
    tap("report:next")
    say(ru("🏠 In %(region)s") % {"region": "Республика Дагестан"})
    tap("report:when:now")
    tap("report:people:tens")


# --- the six steps ----------------------------------------------------------------------------


def test_a_linked_person_reports_in_six_steps(
    linked: TelegramChat, person: Person, region: Region, communities: list[EthnicCommunity]
) -> None:
    first = say(ru(REPORT))
    what = "What happened? Write it in your own words, or send a photo, a voice message or a video."
    assert ru(what) in texts(first)
    assert button_ids(first[-1]) == ["report:cancel"]

    got = say("Драка у рынка, двое дерутся")
    assert button_ids(got[-1]) == ["report:next", "report:cancel"]

    where = tap("report:next")[-1]
    keyboard = where.context["keyboard"]
    assert keyboard[0] == [{"text": ru("📍 Send my location"), "request_location": True}]
    assert [ru("🏠 In %(region)s") % {"region": "Республика Дагестан"}] in keyboard
    assert keyboard[-1] == [ru("✖ Cancel")]

    placed = say(ru("🏠 In %(region)s") % {"region": "Республика Дагестан"})
    assert placed[0].context["keyboard"][0] == [ru("📅 My events")]  # the menu is back
    assert button_ids(placed[-1])[:3] == [
        "report:when:now",
        "report:when:past",
        "report:when:expected",
    ]

    people = tap("report:when:expected")[-1]
    assert "report:people:hurt" in button_ids(people)

    step5 = tap("report:people:hurt")[-1]
    avars, russians = communities
    assert button_ids(step5) == [
        f"report:community:{avars.pk}",
        f"report:community:{russians.pk}",
        "report:community:none",
        "report:cancel",
    ]
    ticked = tap(f"report:community:{avars.pk}")[-1]
    assert "✔ Аварцы" in [b["title"] for b in ticked.context["buttons"]]
    assert "report:community:done" in button_ids(ticked)

    review = tap("report:community:done")[-1]
    assert "Драка у рынка" in review.context["text"]
    assert button_ids(review) == ["report:send:named", "report:send:anonymous", "report:cancel"]

    sent = tap("report:send:named")
    report = Report.objects.get()
    assert (report.text, report.region, report.reporter) == (
        "Драка у рынка, двое дерутся",
        region,
        person,
    )
    assert (report.when, report.crowd, report.hurt) == ("expected", "unknown", "yes")
    assert list(report.communities.all()) == [avars]
    assert report.named_consent and report.source == "telegram"
    assert report.reporter_chat == linked
    # The acknowledgement with the case number comes from the incidents app, once.
    assert [m.template for m in sent] == ["incidents.report_received"]
    assert sent[0].reply_address == str(CHAT)
    assert draft() is None
    assert Conversation.objects.get(chat_key=str(CHAT)).flow == ""


def test_sending_without_the_name(linked: TelegramChat) -> None:
    fill_to_review()  # no communities in the region: step 5 is skipped
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "review"
    tap("report:send:anonymous")
    report = Report.objects.get()
    assert not report.named_consent
    assert (report.crowd, report.hurt, report.when) == ("tens", "no", "now")


def test_every_question_has_a_cancel_button(linked: TelegramChat, communities: list[Any]) -> None:
    questions = [say(ru(REPORT)), say("Пожар в подъезде"), tap("report:next")]
    questions += [say(ru("🏠 In %(region)s") % {"region": "Республика Дагестан"})]
    questions += [tap("report:when:now"), tap("report:people:few")]
    for replies in questions:
        last = replies[-1].context
        assert "report:cancel" in button_ids(replies[-1]) or [ru("✖ Cancel")] in last["keyboard"]


def test_cancel_forgets_the_draft_and_sends_nothing(linked: TelegramChat) -> None:
    fill_to_review()
    replies = tap("report:cancel")
    assert ru("Your report is cancelled. Nothing was sent.") in texts(replies)
    assert replies[-1].context["keyboard"]  # back to the menu
    assert Report.objects.count() == 0 and draft() is None
    # An old button of the cancelled report does nothing.
    assert ru("This report was already sent or cancelled.") in texts(tap("report:send:named"))
    assert Report.objects.count() == 0


def test_cancel_typed_or_from_the_location_keyboard(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Что-то случилось")
    tap("report:next")
    say(ru("✖ Cancel"))
    assert draft() is None and Report.objects.count() == 0


# --- leaving and coming back --------------------------------------------------------------------


def test_a_detour_keeps_the_draft_and_offers_to_continue(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Драка у школы")
    tap("report:next")
    say(ru("📅 My events"))  # somewhere else
    assert Conversation.objects.get(chat_key=str(CHAT)).flow == "my_events"
    assert draft() is not None and draft()["text"] == "Драка у школы"  # type: ignore[index]

    offer = say(ru(REPORT))[-1]
    assert button_ids(offer) == ["report:resume", "report:restart", "report:cancel"]
    again = tap("report:resume")[-1]
    assert again.context["keyboard"][0][0]["request_location"] is True  # back at "where"
    say("Махачкала")
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "when"


def test_start_again_clears_the_draft(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Первый текст")
    say(ru("❓ Help"))
    say(ru(REPORT))
    replies = tap("report:restart")
    assert button_ids(replies[-1]) == ["report:cancel"]  # nothing given yet: no "Next"
    assert draft() == {
        "step": "what",
        "text": "",
        "files": [],
        "communities": [],
        "options": [],
    }


def test_the_draft_lives_in_the_database(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Слухи о драке завтра")
    # Nothing in memory: the stored row alone carries the report to the next step.
    conversation = Conversation.objects.get(chat_key=str(CHAT))
    assert conversation.data["_kept"]["report"]["text"] == "Слухи о драке завтра"
    tap("report:next")
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "where"


# --- where --------------------------------------------------------------------------------------


def test_a_shared_location_maps_to_the_nearest_city(linked: TelegramChat, city: City) -> None:
    say(ru(REPORT))
    say("Драка на площади")
    tap("report:next")
    replies = send_media(location={"latitude": 42.97, "longitude": 47.51})
    assert ru("📍 Place: %(place)s") % {"place": "Махачкала, Республика Дагестан"} in texts(replies)
    kept = draft()
    assert kept is not None and (kept["city"], kept["lat"], kept["lon"]) == (city.pk, 42.97, 47.51)
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "when"


def test_a_location_outside_every_region_is_refused(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Драка")
    tap("report:next")
    replies = send_media(location={"latitude": -33.87, "longitude": 151.21})  # Sydney
    outside = "This place is outside every region we cover. Please type the city where it happens."
    assert ru(outside) in texts(replies)
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "where"
    assert draft()["text"] == "Драка"  # type: ignore[index]


def test_a_typed_city_and_address(linked: TelegramChat, city: City) -> None:
    fill = ["Драка", "report:next"]
    say(ru(REPORT))
    say(fill[0])
    tap(fill[1])
    say("г. махачкала, ул. Ленина 5")
    kept = draft()
    assert kept is not None and (kept["city"], kept["address"]) == (city.pk, "ул. Ленина 5")


def test_an_unknown_place_offers_the_persons_region_with_the_text_as_address(
    linked: TelegramChat, region: Region
) -> None:
    say(ru(REPORT))
    say("Драка")
    tap("report:next")
    replies = say("рынок у вокзала")
    assert "рынок у вокзала" in texts(replies)
    assert button_ids(replies[-1])[0] == "report:mine"
    tap("report:mine")
    kept = draft()
    assert kept is not None and (kept["region"], kept["address"]) == (region.pk, "рынок у вокзала")


def test_place_from_text_reads_regions_cities_and_addresses(city: City, region: Region) -> None:
    other = CityFactory.create(name_ru="Дербент", name_en="Derbent", region=region)
    assert place_from_text("Дербент", None) == {
        "region": region.pk,
        "city": other.pk,
        "address": "",
    }
    assert place_from_text("Makhachkala, Lenin St 5", None) == {
        "region": region.pk,
        "city": city.pk,
        "address": "Lenin St 5",
    }
    assert place_from_text("Dagestan", None) == {"region": region.pk, "city": None, "address": ""}
    assert place_from_text("Нигдевилль", None) is None


def test_nearest_city_within_300_km_only(city: City) -> None:
    found = nearest_city(43.5, 47.5)  # about 58 km north
    assert found is not None and found[0] == city and 50 < found[1] < 65
    assert nearest_city(46.5, 47.5) is None  # about 390 km


# --- unlinked reporters ---------------------------------------------------------------------------


def test_an_unlinked_person_may_report_and_is_told_how_to_get_linked(db: None, city: City) -> None:
    say(ru(REPORT), chat_id=7777)
    say("Листовки с угрозами на остановке", chat_id=7777)
    where = tap("report:next", user_id=7777)[-1]
    labels = [
        row[0] if isinstance(row[0], str) else row[0]["text"] for row in where.context["keyboard"]
    ]
    assert labels == [ru("📍 Send my location"), ru("✖ Cancel")]  # no "my region"
    say("Махачкала, ул. Гагарина 1", chat_id=7777)
    tap("report:when:past", user_id=7777)
    review = tap("report:people:unknown", user_id=7777)[-1]
    assert button_ids(review) == ["report:send:anonymous", "report:cancel"]
    replies = tap("report:send:anonymous", user_id=7777)
    report = Report.objects.get()
    assert report.reporter is None and report.city == city
    assert report.reporter_chat == TelegramChat.objects.get(chat_id=7777)
    assert report.address == "ул. Гагарина 1"
    assert replies[0].template == "incidents.report_received"
    linking = ru(
        "If you are a member of the network, ask your coordinator for your personal link and "
        "tap it: then I will know you, and you can follow your reports here."
    )
    assert linking in texts(replies)


def test_an_unlinked_person_types_a_region(db: None, region: Region) -> None:
    say(ru(REPORT), chat_id=7778)
    say("Драка", chat_id=7778)
    tap("report:next", user_id=7778)
    say("Республика Дагестан", chat_id=7778)
    kept = draft("7778")
    assert kept is not None and (kept["region"], kept["city"]) == (region.pk, None)


# --- bad input ------------------------------------------------------------------------------------


def test_next_with_nothing_given_is_refused(linked: TelegramChat) -> None:
    say(ru(REPORT))
    replies = tap("report:next")
    assert ru(
        "Please tell first what happened: write a few words, or send a photo or a voice message."
    ) in texts(replies)
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "what"


def test_a_photo_of_50_mb_is_refused_at_once_and_the_report_kept(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Разбили витрину")
    replies = send_media(photo=photo(size=50 * MB))
    too_large = ru(
        "This file is too large to keep: the limit is %(limit)d MB. Your report "
        "is kept; you can describe in words what the file shows."
    )
    assert too_large % {"limit": 20} in texts(replies)
    kept = draft()
    assert kept is not None and kept["files"] == [] and kept["text"] == "Разбили витрину"
    assert button_ids(replies[-1]) == ["report:next", "report:cancel"]


def test_a_photo_with_a_caption_is_kept_with_its_largest_size(linked: TelegramChat) -> None:
    say(ru(REPORT))
    replies = send_media(photo=photo(), caption="Вот что написали на стене")
    kept = draft()
    assert kept is not None and kept["text"] == "Вот что написали на стене"
    assert kept["files"] == [
        {
            "kind": "photo",
            "file_id": "AgACphoto",
            "size": 90_000,
            "mime": "image/jpeg",
            "channel": "telegram",
        }
    ]
    assert button_ids(replies[-1]) == ["report:next", "report:cancel"]


def test_a_voice_message_alone_is_a_report(linked: TelegramChat) -> None:
    fill_to_review_with_voice()
    tap("report:send:anonymous")
    attachment = ReportAttachment.objects.get()
    assert (attachment.kind, attachment.file_id, attachment.state) == (
        "voice",
        "AwACvoice",
        "pending",
    )
    assert attachment.report.text == ""


def fill_to_review_with_voice() -> None:
    say(ru(REPORT))
    send_media(
        voice={
            "file_id": "AwACvoice",
            "file_unique_id": "v",
            "duration": 4,
            "mime_type": "audio/ogg",
            "file_size": 7000,
        }
    )
    tap("report:next")
    say("Махачкала")
    tap("report:when:now")
    tap("report:people:few")


def test_a_file_sent_at_a_later_step_is_added(linked: TelegramChat) -> None:
    fill_to_review()
    replies = send_media(
        document={
            "file_id": "BQACdoc",
            "file_unique_id": "d",
            "mime_type": "application/pdf",
            "file_size": 1000,
        }
    )
    assert ru("Added to your report.") in texts(replies)
    assert Conversation.objects.get(chat_key=str(CHAT)).step == "review"
    assert draft()["files"][0]["kind"] == "document"  # type: ignore[index]


def test_a_text_over_the_limit_is_refused_with_the_limit(linked: TelegramChat) -> None:
    say(ru(REPORT))
    say("Начало рассказа.")
    replies = say("а" * 4050)  # Telegram allows 4096 characters in one message
    assert "4067" in texts(replies) and "4000" in texts(replies)
    assert draft()["text"] == "Начало рассказа."  # type: ignore[index]


def test_reprocessing_the_send_never_makes_two_reports(linked: TelegramChat) -> None:
    fill_to_review()
    tap("report:send:anonymous")
    event = InboundEvent.objects.order_by("-pk").first()
    assert event is not None
    InboundEvent.objects.filter(pk=event.pk).update(state="received")
    inbound_run_once()
    assert Report.objects.count() == 1


# --- WhatsApp -------------------------------------------------------------------------------------


def wa_text(body: str, n: list[int] = [0]) -> list[OutboundMessage]:  # noqa: B006 (a counter)
    n[0] += 1
    return wa_deliver({"id": f"wamid.r{n[0]}", "type": "text", "text": {"body": body}})


def wa_tap(button_id: str, n: list[int] = [0]) -> list[OutboundMessage]:  # noqa: B006
    n[0] += 1
    tap_ = {"type": "button_reply", "button_reply": {"id": button_id, "title": "x"}}
    return wa_deliver({"id": f"wamid.t{n[0]}", "type": "interactive", "interactive": tap_})


@pytest.fixture
def wa_person(person: Person) -> Person:
    from concord.messaging.models import WhatsAppContact

    WhatsAppContact.objects.create(phone=f"+{PHONE}", person=person)
    return person


def test_the_report_flow_on_whatsapp(wa_person: Person, region: Region, city: City) -> None:
    wa_text(ru(REPORT))
    image = {"id": "1234567890", "mime_type": "image/jpeg", "sha256": "ab", "caption": "Драка"}
    got = wa_deliver({"id": "wamid.img", "type": "image", "image": image})
    assert button_ids(got[-1]) == ["report:next", "report:cancel"]
    where = wa_tap("report:next")[-1]
    assert "📎" in where.context["text"]
    assert button_ids(where) == ["report:mine", "report:cancel"]
    location = {"latitude": 42.99, "longitude": 47.49, "name": "Рынок"}
    wa_deliver({"id": "wamid.loc", "type": "location", "location": location})
    # Four choices do not fit WhatsApp's three buttons: a numbered list, answered by number.
    when = texts(wa_text("5"))  # not a choice: asked again
    assert "1. " in when and ru("Answer with the number.") in when
    wa_text("1")
    review = wa_text("4")  # someone is hurt
    assert ru("Please check your report. May the police and officials know your name?") in texts(
        review
    )
    wa_text("2")  # send without the name
    report = Report.objects.get()
    assert (report.source, report.reply_channel, report.reply_address) == (
        "whatsapp",
        "whatsapp",
        f"+{PHONE}",
    )
    assert (report.city, report.hurt, report.when, report.named_consent) == (
        city,
        "yes",
        "now",
        False,
    )
    attachment = report.attachments.get()
    assert (attachment.channel, attachment.file_id, attachment.kind) == (
        "whatsapp",
        "1234567890",
        "photo",
    )


def test_a_very_long_whatsapp_text_is_refused_and_the_draft_kept(wa_person: Person) -> None:
    wa_text(ru(REPORT))
    wa_text("Сначала коротко.")
    replies = wa_text("б" * 20_000)
    assert "20017" in texts(replies) and "4000" in texts(replies)
    assert draft(f"+{PHONE}")["text"] == "Сначала коротко."  # type: ignore[index]
