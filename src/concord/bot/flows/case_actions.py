"""The two buttons of an incident alert: "✋ I take it" ("case:take:<id>") and "Not mine"
("case:pass:<id>"), on Telegram and as WhatsApp quick replies.

Only people alerted about the case (an Alert row) and coordinators who handle its region may
answer; a forwarded alert tapped by someone else gets a polite refusal. The services decide
everything else: the first "I take it" wins, the others and the reporters are told by them.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from concord.bot.engine import Flow, Turn, flow
from concord.bot.selectors import person_scope
from concord.directory.models import Person
from concord.incidents.models import Actor, Alert, Case
from concord.incidents.services import CaseActionError, case_decline, case_take
from concord.messaging.models import Channel

CASE_BUTTON = re.compile(r"^case:(take|pass):(\d{1,18})$")


def may_answer(person: Person, case: Case) -> bool:
    if Alert.objects.filter(case=case, person=person).exists():
        return True
    return person_scope(person).can_handle_case(case.region_id)


@flow("case_actions")
class CaseActions(Flow):
    callback_prefix = "case"

    def begin(self, turn: Turn, argument: str = "") -> None:
        turn.menu()  # no menu button: the flow only answers the alerts' buttons

    def on_button(self, turn: Turn, data: str) -> None:
        match = CASE_BUTTON.match(data)
        if match is None or turn.person is None:
            turn.not_understood()
            return
        case = Case.objects.filter(pk=int(match.group(2))).first()
        if case is None or not may_answer(turn.person, case):
            self._answer(turn, _("Sorry, only the people alerted about this case can answer it."))
            return
        channel = Actor.WHATSAPP if turn.incoming.channel == Channel.WHATSAPP else Actor.TELEGRAM
        try:
            if match.group(1) == "take":
                text = self._take(turn.person, case, channel)
            else:
                case_decline(case=case, person=turn.person, channel=channel)
                text = _("Noted: case %(number)s is not for you. Thank you for answering.") % {
                    "number": case.number
                }
        except CaseActionError as error:
            text = " ".join(error.messages)
        self._answer(turn, text)

    def _take(self, person: Person, case: Case, channel: str) -> str:
        outcome = case_take(case=case, person=person, channel=channel)
        number = {"number": case.number}
        if outcome.taken:
            return (
                _("✅ You took case %(number)s. The others who were alerted are told.") % number
                + " "
                + _("Please let your coordinator know what you do, and when it is settled.")
            )
        if outcome.already_owner:
            return _("Case %(number)s is already yours.") % number
        return _("Case %(number)s is already taken by %(name)s.") % {
            **number,
            "name": outcome.owner_name,
        }

    def _answer(self, turn: Turn, text: str) -> None:
        turn.say(text)
        turn.toast = text
