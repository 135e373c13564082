"""The report's buttons on each channel: Telegram's buttons, or WhatsApp's numbered list when
the choices do not fit its reply buttons; and the labels that come back as typed text."""

from __future__ import annotations

from django.utils.translation import gettext as _

from concord.bot.engine import Turn
from concord.bot.flows.report.draft import Draft
from concord.messaging.models import Channel
from concord.regions.naming import name_fold

WHATSAPP_BUTTONS, WHATSAPP_TITLE = 3, 20  # the Cloud API's reply-button limits


def cancel_label() -> str:
    return _("✖ Cancel")


def cancel() -> tuple[str, str]:
    return ("report:cancel", cancel_label())


def same(typed: str, label: str) -> bool:
    """A reply-keyboard label arrives as typed text: compare letters and digits only."""
    return name_fold(typed) == name_fold(label) and bool(name_fold(label))


def mine_label(turn: Turn) -> str:
    assert turn.person is not None
    if turn.incoming.channel == Channel.WHATSAPP:
        return _("🏠 In my region")
    return _("🏠 In %(region)s") % {"region": turn.person.region.name}


def ask(
    turn: Turn,
    draft: Draft,
    text: str,
    options: list[tuple[str, str]],
    *,
    html: str | None = None,
) -> None:
    """Buttons; on WhatsApp, more or longer choices than its buttons hold become a numbered
    list, answered with the number (the draft notes which number means what)."""
    draft["options"] = []
    whatsapp = turn.incoming.channel == Channel.WHATSAPP
    too_long = any(len(title) > WHATSAPP_TITLE for _id, title in options)
    if whatsapp and (len(options) > WHATSAPP_BUTTONS or too_long):
        draft["options"] = [option_id for option_id, _title in options]
        lines = [f"{n}. {title}" for n, (_id, title) in enumerate(options, start=1)]
        turn.say("\n".join([text, "", *lines, "", _("Answer with the number.")]))
        return
    turn.say(text, html=html, buttons=options)
