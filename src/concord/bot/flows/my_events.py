"""My events: invitations and offers to answer with one tap, and the person's coming events.

The same buttons ("rsvp:accept:<registration id>", "rsvp:decline:<id>") are on the
programme's invitation and offer messages, so answering an invitation is one tap on it.
"""

from __future__ import annotations

import re

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord.accounts.models import User
from concord.bot.engine import Flow, Turn, flow
from concord.messaging.models import OutboundMessage
from concord.messaging.rendering import esc
from concord.messaging.routing import Route, route_for
from concord.programme.models import Event, Registration
from concord.programme.selectors import person_events, person_invitations
from concord.programme.services import (
    RegistrationError,
    registration_accept,
    registration_cancel,
    registration_decline,
)

S = Registration.State
RSVP = re.compile(r"^rsvp:(accept|decline|cancel):(\d{1,18})$")
SHOWN = 5  # a phone screen; the web page has the rest
COMING = (S.REGISTERED, S.WAITLISTED, S.CONFIRMED)


def when(event: Event) -> str:
    """The start in the event's own time zone: that is where it happens."""
    local = timezone.localtime(event.starts_at, event.tz)
    place = event.host_city.name if event.host_city else event.timezone_name
    return _("%(when)s (%(place)s time)") % {
        "when": formats.date_format(local, "j E, H:i"),
        "place": place,
    }


def where(event: Event) -> str:
    if event.format == Event.Format.ONLINE:
        return _("online")
    parts = [
        event.venue.name if event.venue else "",
        event.host_city.name if event.host_city else "",
    ]
    return ", ".join(p for p in parts if p)


def _card(registration: Registration) -> tuple[str, str]:
    """An invitation as plain text and as Telegram HTML (titles and places are escaped)."""
    event = registration.event
    lines = [f"📨 {event.title}", when(event), where(event)]
    if registration.state == S.OFFERED and registration.offer_expires_at:
        until = timezone.localtime(registration.offer_expires_at, event.tz)
        lines.append(
            _("A place is kept for you until %(time)s.")
            % {"time": formats.date_format(until, "j E, H:i")}
        )
    html = [f"📨 <b>{esc(event.title)}</b>", *(esc(line) for line in lines[1:])]
    return "\n".join(line for line in lines if line), "\n".join(line for line in html if line)


def _buttons(registration: Registration) -> list[tuple[str, str]]:
    if registration.state == S.OFFERED:
        titles = (_("✅ I take the place"), _("❌ No, thank you"))
    else:
        titles = (_("✅ Yes, I will come"), _("❌ No, I can't"))
    return [
        (f"rsvp:accept:{registration.pk}", titles[0]),
        (f"rsvp:decline:{registration.pk}", titles[1]),
    ]


@flow("my_events")
class MyEvents(Flow):
    menu_label = gettext_noop("📅 My events")
    menu_hint = gettext_noop("your invitations and coming events")
    menu_order = 10
    callback_prefix = "rsvp"

    def begin(self, turn: Turn, argument: str = "") -> None:
        assert turn.person is not None
        invitations = list(person_invitations(person=turn.person)[:SHOWN])
        for registration in invitations:
            text, html = _card(registration)
            turn.say(text, html=html, buttons=_buttons(registration))
        coming = list(
            person_events(person=turn.person)
            .filter(state__in=COMING, event__ends_at__gte=timezone.now())
            .order_by("event__starts_at")[:SHOWN]
        )
        if coming:
            self._coming(turn, coming)
        elif not invitations:
            turn.say(_("You have no invitations and no coming events yet."))
        turn.menu()

    def _coming(self, turn: Turn, registrations: list[Registration]) -> None:
        lines, html = [_("Your coming events:")], [esc(_("Your coming events:"))]
        for registration in registrations:
            event, state = registration.event, S(registration.state).label
            lines.append(f"• {event.title} — {when(event)} — {state}")
            html.append(f"• <b>{esc(event.title)}</b> — {esc(when(event))} — {esc(state)}")
        turn.say("\n".join(lines), html="\n".join(html))

    def on_button(self, turn: Turn, data: str) -> None:
        match = RSVP.match(data)
        if match is None or turn.person is None:
            turn.not_understood()
            return
        action, pk = match.group(1), int(match.group(2))
        # Only the person's own registrations: a forged or forwarded id answers nothing.
        registration = (
            Registration.objects.select_related("event").filter(pk=pk, person=turn.person).first()
        )
        if registration is None:
            self._answer(turn, _("Sorry, this invitation is not for you, or it no longer exists."))
            return
        rsvp_answer(turn, registration, action)
        turn.menu()

    def _answer(self, turn: Turn, text: str) -> None:
        turn.say(text)
        turn.toast = text
        turn.menu()


def rsvp_answer(turn: Turn, registration: Registration, action: str) -> None:
    """Call the programme's service and tell the result, unless the programme's own message
    about it is already on its way to this very chat (one answer, not two)."""
    since = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    title = registration.event.title
    try:
        registration = _apply(turn, registration, action)
    except RegistrationError as error:
        text = " ".join(error.messages)
        turn.say(text)
        turn.toast = text
        return
    if action == "decline" and registration.state in (S.REGISTERED, S.CONFIRMED, S.WAITLISTED):
        _confirm_cancel(turn, registration)
        return
    text = _result(registration.state) % {"title": title}
    turn.toast = text
    if not _told_here(turn, registration, since):
        turn.say(text)


def _apply(turn: Turn, registration: Registration, action: str) -> Registration:
    by = User.objects.filter(person=turn.person).first()
    state = registration.state
    if action == "accept":
        return registration_accept(registration=registration, by=by)
    if action == "cancel" or (action == "decline" and state == S.OFFERED):
        if state in (S.DECLINED, S.CANCELLED_BY_PERSON):
            return registration
        return registration_cancel(registration=registration, by=by, by_organiser=False)
    if state == S.INVITED:
        return registration_decline(registration=registration, by=by)
    return registration  # already answered: a "no" on an old invitation is confirmed first


def _confirm_cancel(turn: Turn, registration: Registration) -> None:
    """A "no" tapped on an old invitation after saying yes: ask before giving the place up."""
    line = _("You have a place at “%(title)s”. Do you want to give it up?")
    title = registration.event.title
    turn.say(
        line % {"title": title},
        html=line % {"title": esc(title)},
        buttons=[
            (f"rsvp:cancel:{registration.pk}", _("Yes, give it up")),
            ("menu:my_events", _("No, keep it")),
        ],
    )


def _result(state: str) -> str:
    results: dict[str, str] = {
        S.REGISTERED: _("✅ Thank you! Your place at “%(title)s” is reserved."),
        S.CONFIRMED: _("✅ Your place at “%(title)s” is confirmed. See you there!"),
        S.WAITLISTED: _(
            "“%(title)s” is full. You are on the waiting list: "
            "we will write as soon as a place frees up."
        ),
        S.DECLINED: _("You declined “%(title)s”. Thank you for letting us know."),
        S.CANCELLED_BY_PERSON: _(
            "You gave up your place at “%(title)s”. Thank you for telling us."
        ),
    }
    return results.get(state, _("Your answer about “%(title)s” is recorded."))


def _told_here(turn: Turn, registration: Registration, since: int) -> bool:
    """Did the programme just queue its own message about this registration to this chat?"""
    queued = OutboundMessage.objects.filter(
        pk__gt=since,
        person=turn.person,
        template__startswith="programme.",
        context__registration=registration.pk,
    ).select_related("person")
    here = Route(turn.incoming.channel, turn.incoming.chat_key)
    return any(route_for(message) == here for message in queued)
