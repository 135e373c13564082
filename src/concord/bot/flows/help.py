"""Help: what the buttons do, and how to reach a human."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.bot.engine import Flow, Turn, flow, menu_flows


@flow("help")
class Help(Flow):
    menu_label = gettext_noop("❓ Help")
    menu_order = 90
    needs_link = False

    def begin(self, turn: Turn, argument: str = "") -> None:
        if turn.person is None:
            turn.say(
                _(
                    "I help the members of the network: I remind you of events, take your "
                    "answers to invitations and tell you whom to call in your region. "
                    "To start, ask your coordinator for your personal link and tap it. "
                    "You can report a problem right away, without the link."
                )
            )
        else:
            lines = [_("Tap a button below:")]
            lines += [
                f"{_(f.menu_label)} — {_(f.menu_hint)}"
                for f in menu_flows(turn.person)
                if f.menu_hint
            ]
            lines.append(_("To answer an invitation, tap “Yes” or “No” under it."))
            lines.append(_("Anything else: call your regional coordinator."))
            turn.say("\n".join(lines))
        turn.menu()
