"""Whom to call in my region: police liaisons, officials, Houses of Friendship, coordinators.

Numbers are written as +7… (Telegram and WhatsApp make them tappable: one tap calls), with
t.me and wa.me links where the directory has them. What the person may see is the directory's
own region page as their scope allows (bot.selectors.person_scope).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.bot.engine import Flow, Turn, flow
from concord.bot.selectors import person_scope
from concord.directory.models import Organisation, Person
from concord.directory.selectors import region_directory
from concord.messaging.rendering import esc

MAX_ENTRIES = 10  # a phone screen or two; the web page has everyone


def _person_lines(person: Person) -> list[str]:
    membership = next(iter(person.memberships.all()), None)
    where = ""
    if membership is not None:
        where = ", ".join(p for p in (membership.position, membership.organisation.name) if p)
    links = [person.phone]
    if person.telegram_username:
        links.append(f"t.me/{person.telegram_username}")
    if person.whatsapp:
        links.append(f"wa.me/{person.whatsapp.lstrip('+')}")
    head = f"• {person.full_name}" + (f" — {where}" if where else "")
    return [head, "  " + "  ".join(link for link in links if link)]


def _organisation_lines(organisation: Organisation) -> list[str]:
    links = [organisation.phone]
    if organisation.telegram:
        links.append(f"t.me/{organisation.telegram}")
    lines = [f"• {organisation.name}"]
    if organisation.address:
        lines.append(f"  {organisation.address}")
    return [*lines, "  " + "  ".join(link for link in links if link)]


@flow("whom_to_call")
class WhomToCall(Flow):
    menu_label = gettext_noop("📞 Whom to call")
    menu_hint = gettext_noop("phone numbers of the police, officials and the House of Friendship")
    menu_order = 20

    def begin(self, turn: Turn, argument: str = "") -> None:
        assert turn.person is not None
        region = turn.person.region
        directory = region_directory(scope=person_scope(turn.person), region=region)
        sections = [
            (_("👮 Police liaisons"), [_person_lines(p) for p in directory.police_liaisons.shown]),
            (_("🏛 Officials"), [_person_lines(p) for p in directory.officials.shown]),
            (_("🏠 Houses of Friendship"), [_organisation_lines(o) for o in directory.hosts.shown]),
            (_("🤝 Coordinators"), [_person_lines(p) for p in directory.coordinators.shown]),
        ]
        lines = _limited(sections)
        if not lines:
            turn.say(
                _("Nobody is listed for %(region)s yet. Your coordinator can add contacts.")
                % {"region": region.name}
            )
        else:
            title = _("Whom to call in %(region)s:") % {"region": region.name}
            text = "\n".join([title, *lines])
            # Everything shown comes from the directory, typed by people: escaped whole.
            turn.say(text, html=esc(text))
        turn.menu()


def _limited(sections: list[tuple[str, list[list[str]]]]) -> list[str]:
    """At most MAX_ENTRIES entries in all, sections in order; empty sections are left out."""
    lines: list[str] = []
    left = MAX_ENTRIES
    for heading, entries in sections:
        shown = entries[:left]
        if not shown:
            continue
        lines += ["", heading]
        for entry in shown:
            lines += [line for line in entry if line.strip()]
        left -= len(shown)
    return lines
