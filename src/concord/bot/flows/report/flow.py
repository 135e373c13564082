"""The report flow itself: what comes in (typed text, media, a tapped button) and which
step's answer handles it. The steps' questions are in `questions`, their answers in `answers`
and `where`."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.bot.engine import Flow, Turn, flow
from concord.bot.flows.report import answers, where
from concord.bot.flows.report.buttons import cancel, cancel_label, same
from concord.bot.flows.report.draft import NAME, Draft, has_content, new_draft
from concord.bot.flows.report.questions import step

_NUMBERS = re.compile(r"^[\d\s,;.]+$")

Handler = Callable[[Turn, Draft, str], None]
BUTTONS: dict[str, Handler] = {  # "report:<action>:<value>"
    "cancel": answers.cancelled,
    "resume": answers.resume,
    "next": answers.next_step,
    "mine": where.mine,
    "region": where.region_chosen,
    "when": answers.when,
    "people": answers.people,
    "community": answers.community,
    "send": answers.send,
}


@flow(NAME)
class ReportProblem(Flow):
    menu_label = gettext_noop("🆘 Report a problem")
    menu_hint = gettext_noop("tell the network about tension or a conflict, or a rumour of one")
    menu_order = 30
    needs_link = False
    callback_prefix = "report"

    def begin(self, turn: Turn, argument: str = "") -> None:
        draft = turn.kept(NAME)
        if draft and has_content(draft):
            turn.say(
                _("You have a report that is not sent yet. Continue it, or start again?"),
                buttons=[
                    ("report:resume", _("▶ Continue my report")),
                    ("report:restart", _("🔄 Start again")),
                    cancel(),
                ],
            )
            return
        _start(turn)

    def on_text(self, turn: Turn, text: str) -> None:
        draft = turn.kept(NAME)
        if draft is None:
            _start(turn)
            return
        if same(text, cancel_label()):
            answers.cancelled(turn)
        elif draft.get("options") and _NUMBERS.match(text.strip()):
            self._numbers(turn, draft, text)
        elif draft["step"] == "what":
            answers.text_add(turn, draft, text)
        elif draft["step"] == "where":
            where.place_typed(turn, draft, text)
        else:
            turn.say(_("Please answer with the buttons below."))
            step(turn, draft, draft["step"])

    def _numbers(self, turn: Turn, draft: Draft, text: str) -> None:
        """WhatsApp's numbered choices: "2", or "1 3" for several communities."""
        options: list[str] = draft["options"]
        chosen = [int(n) for n in re.findall(r"\d+", text)]
        if not chosen or any(not 1 <= n <= len(options) for n in chosen):
            turn.say(_("Please answer with one of the numbers in the list."))
            step(turn, draft, draft["step"])
            return
        for number in chosen[:-1]:  # several communities: all but the last quietly
            value = options[number - 1].rsplit(":", 1)[1]
            answers.community_toggle(turn, draft, value, ask=False)
        self.on_button(turn, options[chosen[-1] - 1])

    def on_media(self, turn: Turn) -> None:
        draft = turn.kept(NAME)
        if draft is None:
            _start(turn)
            return
        incoming = turn.incoming
        if incoming.location is not None:
            where.located(turn, draft, incoming.location.lat, incoming.location.lon)
            return
        added = answers.files_add(turn, draft)
        if incoming.text.strip() and not answers.text_fits(turn, draft, incoming.text):
            added = False
        elif incoming.text.strip():
            draft["text"] = "\n".join(t for t in (draft["text"], incoming.text.strip()) if t)
            added = True
        if added and draft["step"] != "what":
            turn.say(_("Added to your report."))
        step(turn, draft, draft["step"])

    def on_button(self, turn: Turn, data: str) -> None:
        parts = data.split(":")
        action, value = parts[1] if len(parts) > 1 else "", ":".join(parts[2:])
        draft = turn.kept(NAME)
        if action == "restart":
            _start(turn)
        elif draft is None:
            turn.say(_("This report was already sent or cancelled."))
            turn.menu()
        elif action in BUTTONS:
            BUTTONS[action](turn, draft, value)
        else:
            turn.not_understood()


def _start(turn: Turn) -> None:
    step(turn, new_draft(), "what")
