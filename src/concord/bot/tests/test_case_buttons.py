"""The buttons of an incident alert in the chat: "✋ I take it" and "Not mine", who may press
them, and what each person is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from concord.accounts.models import User
from concord.bot import handlers
from concord.directory.models import Person
from concord.incidents.models import Alert, Case, CircleMember, Report, Source
from concord.incidents.services import ReportDraft, case_resolve, report_submit
from concord.messaging.models import TelegramChat, WhatsAppContact
from concord.regions.models import City, Region
from concord.testing.factories import UserFactory

from .conftest import CHAT, callback_update, deliver, make_person, ru, texts
from .test_flows import PHONE, wa_deliver

OTHER = 7002  # the chat of a second member of the circle


@pytest.fixture
def circle(linked: TelegramChat, person: Person, region: Region) -> list[Person]:
    """The region's circle: the linked person and one more, each with a Telegram chat."""
    other = make_person(region, first_name="Руслан", last_name="Магомедов", patronymic="")
    TelegramChat.objects.create(chat_id=OTHER, kind="private", person=other)
    for member in (person, other):
        CircleMember.objects.create(region=region, person=member, part=CircleMember.Part.POLICE)
    return [person, other]


@pytest.fixture
def case(circle: list[Person], city: City) -> Case:
    draft = ReportDraft(text="Драка у рынка", region=city.region, city=city)
    return report_submit(draft=draft, source=Source.WEB, reporter_name="Житель").case


def test_i_take_it_makes_the_person_the_owner(
    case: Case,
    person: Person,
    circle: list[Person],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    toasts: list[tuple[str, str]] = []
    monkeypatch.setattr(handlers, "callback_answer", lambda cid, text: toasts.append((cid, text)))
    with django_capture_on_commit_callbacks(execute=True):
        replies = deliver(callback_update(f"case:take:{case.pk}"))
    case.refresh_from_db()
    assert (case.owner, case.state) == (person, Case.State.ACKNOWLEDGED)
    mine = [m for m in replies if m.template == "text"]
    expected = ru("✅ You took case %(number)s. The others who were alerted are told.") % {
        "number": case.number
    }
    assert expected in texts(mine)
    assert mine[0].chat is not None and mine[0].chat.chat_id == CHAT
    assert toasts and toasts[0][1].startswith(expected)
    # The other member learns who took it (queued by the incidents app).
    told = [m for m in replies if m.template == "incidents.taken"]
    assert [m.person for m in told] == [circle[1]]
    assert Alert.objects.get(case=case, person=person).answer == Alert.Answer.TAKEN


def test_a_second_take_learns_who_has_it(case: Case, circle: list[Person]) -> None:
    deliver(callback_update(f"case:take:{case.pk}"))
    replies = deliver(callback_update(f"case:take:{case.pk}", user_id=OTHER, first_name="Руслан"))
    taken = ru("Case %(number)s is already taken by %(name)s.")
    assert taken % {"number": case.number, "name": circle[0].full_name} in texts(replies)
    case.refresh_from_db()
    assert case.owner == circle[0]
    again = deliver(callback_update(f"case:take:{case.pk}"))
    assert ru("Case %(number)s is already yours.") % {"number": case.number} in texts(again)


def test_not_mine_is_recorded(case: Case, person: Person) -> None:
    replies = deliver(callback_update(f"case:pass:{case.pk}"))
    noted = ru("Noted: case %(number)s is not for you. Thank you for answering.")
    assert noted % {"number": case.number} in texts(replies)
    alert = Alert.objects.get(case=case, person=person)
    assert alert.answer == Alert.Answer.NOT_MINE
    case.refresh_from_db()
    assert case.state == Case.State.NEW and case.owner is None


def test_someone_not_alerted_is_refused_politely(case: Case, region: Region) -> None:
    stranger = make_person(region)
    TelegramChat.objects.create(chat_id=7100, kind="private", person=stranger)
    replies = deliver(callback_update(f"case:take:{case.pk}", user_id=7100))
    refusal = ru("Sorry, only the people alerted about this case can answer it.")
    assert refusal in texts(replies)
    case.refresh_from_db()
    assert case.owner is None
    # A case that does not exist gets the same answer, revealing nothing.
    assert refusal in texts(deliver(callback_update("case:take:999999", user_id=7100)))


def test_a_coordinator_of_the_region_may_take_a_case_without_an_alert(
    case: Case, region: Region
) -> None:
    coordinator = make_person(region)
    UserFactory.create(role=User.Role.COORDINATOR, person=coordinator)
    TelegramChat.objects.create(chat_id=7200, kind="private", person=coordinator)
    assert not Alert.objects.filter(case=case, person=coordinator).exists()
    deliver(callback_update(f"case:take:{case.pk}", user_id=7200))
    case.refresh_from_db()
    assert case.owner == coordinator


def test_a_closed_case_says_so(case: Case, person: Person) -> None:
    deliver(callback_update(f"case:take:{case.pk}"))
    coordinator = UserFactory.create(role=User.Role.COORDINATOR)
    case_resolve(case=case, outcome="Помирились", user=coordinator)
    replies = deliver(callback_update(f"case:pass:{case.pk}"))
    closed = ru("Case %(number)s is closed (%(state)s). Reopen it first if it needs more work.")
    with translation.override("ru"):
        state = str(Case.State.RESOLVED.label)
    assert closed % {"number": case.number, "state": state} in texts(replies)


def test_an_unlinked_chat_is_asked_to_link_first(case: Case) -> None:
    replies = deliver(callback_update(f"case:take:{case.pk}", user_id=7300, lang="en"))
    assert "personal link" in texts(replies)
    case.refresh_from_db()
    assert case.owner is None


def test_a_forged_button_is_not_understood(linked: TelegramChat) -> None:
    replies = deliver(callback_update("case:take:abc"))
    assert ru("Sorry, I can only read text and buttons.") in texts(replies)


def test_the_whatsapp_quick_reply_takes_the_case(case: Case, circle: list[Person]) -> None:
    WhatsAppContact.objects.create(phone=f"+{PHONE}", person=circle[1])
    button = {"payload": f"case:take:{case.pk}", "text": "✋ I take it"}
    replies = wa_deliver({"id": "wamid.take", "type": "button", "button": button})
    case.refresh_from_db()
    assert case.owner == circle[1]
    took = ru("✅ You took case %(number)s. The others who were alerted are told.")
    assert took % {"number": case.number} in texts(replies)
    assert case.entries.filter(channel="whatsapp").exists()
    assert Report.objects.get().case == case
