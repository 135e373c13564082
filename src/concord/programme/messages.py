"""What the programme's notifications say, for the messaging layer's renderers.

Each builder runs inside the recipient's language and time zone. Times of an event are given
in the event's own zone (that is where it happens), plus the recipient's clock when it differs:
an online conference seen from Kamchatka is nine hours later than in Moscow.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from concord.messaging.providers.base import Button, WhatsAppTemplate
from concord.messaging.rendering import Content, RenderContext, esc, register
from concord.programme.models import Disruption, Event, Registration


def _event(context: RenderContext) -> Event:
    return Event.objects.select_related("host_city", "host_region", "venue").get(
        pk=context.data["event"]
    )


def _when(event: Event, context: RenderContext) -> str:
    local = timezone.localtime(event.starts_at, event.tz)
    text = formats.date_format(local, "j E, H:i")
    place_zone = event.host_city.name if event.host_city else event.timezone_name
    text = _("%(when)s (%(place)s time)") % {"when": text, "place": place_zone}
    mine = timezone.localtime(event.starts_at, context.tz)
    if mine.utcoffset() != local.utcoffset():
        text += _(", your time %(time)s") % {"time": formats.date_format(mine, "H:i")}
    return text


def _where(event: Event) -> str:
    if event.format == Event.Format.ONLINE:
        return _("online")
    parts = [
        event.venue.name if event.venue else "",
        event.host_city.name if event.host_city else "",
    ]
    return ", ".join(p for p in parts if p)


def _lines(*lines: str) -> tuple[str, str]:
    text = "\n".join(lines)
    html = "\n".join(esc(line) for line in lines)
    return text, html


def _rsvp_buttons(registration_id: int, accept: str, decline: str) -> tuple[Button, ...]:
    return (
        Button(f"rsvp:accept:{registration_id}", accept),
        Button(f"rsvp:decline:{registration_id}", decline),
    )


@register("programme.invitation")
def invitation(context: RenderContext) -> Content:
    event = _event(context)
    text, html = _lines(
        _("You are invited: %(title)s.") % {"title": event.title},
        _("When: %(when)s.") % {"when": _when(event, context)},
        _("Where: %(where)s.") % {"where": _where(event)},
        _("Will you come?"),
    )
    registration = context.data["registration"]
    return Content(
        text=text,
        html=html,
        subject=_("Invitation: %(title)s") % {"title": event.title},
        buttons=_rsvp_buttons(registration, _("Yes, I will come"), _("No, I can't")),
        whatsapp_template=WhatsAppTemplate(
            "concord_invitation",
            context.language,
            (event.title, _when(event, context)),
            _rsvp_buttons(registration, _("Yes"), _("No")),
        ),
    )


@register("programme.offer")
def offer(context: RenderContext) -> Content:
    event = _event(context)
    registration = Registration.objects.get(pk=context.data["registration"])
    expires = registration.offer_expires_at or timezone.now()
    text, html = _lines(
        _("A place has become free for you: %(title)s, %(when)s.")
        % {"title": event.title, "when": _when(event, context)},
        _("It is kept for you until %(time)s.")
        % {"time": formats.date_format(timezone.localtime(expires, context.tz), "j E, H:i")},
    )
    buttons = _rsvp_buttons(registration.pk, _("I take the place"), _("No, thank you"))
    return Content(
        text=text,
        html=html,
        subject=_("A free place: %(title)s") % {"title": event.title},
        buttons=buttons,
        whatsapp_template=WhatsAppTemplate(
            "concord_offer", context.language, (event.title,), buttons
        ),
    )


def _state_message(context: RenderContext, line: str) -> Content:
    event = _event(context)
    text, html = _lines(
        line % {"title": event.title}, _("When: %(when)s.") % {"when": _when(event, context)}
    )
    return Content(
        text=text,
        html=html,
        subject=event.title,
        whatsapp_template=WhatsAppTemplate("concord_update", context.language, (text,)),
    )


@register("programme.registered")
def registered(context: RenderContext) -> Content:
    return _state_message(context, _("Thank you! Your place at “%(title)s” is reserved."))


@register("programme.confirmed")
def confirmed(context: RenderContext) -> Content:
    return _state_message(context, _("Your place at “%(title)s” is confirmed. See you there!"))


@register("programme.waitlisted")
def waitlisted(context: RenderContext) -> Content:
    return _state_message(
        context,
        _(
            "“%(title)s” is full. You are on the waiting list: "
            "we will write as soon as a place frees up."
        ),
    )


@register("programme.reminder")
def reminder(context: RenderContext) -> Content:
    event = _event(context)
    text, html = _lines(
        _("A reminder: “%(title)s” starts tomorrow.") % {"title": event.title},
        _("When: %(when)s.") % {"when": _when(event, context)},
        _("Where: %(where)s.") % {"where": _where(event)},
    )
    if event.format != Event.Format.IN_PERSON and event.meeting_url:
        text += "\n" + event.meeting_url
        html += "\n" + esc(event.meeting_url)
    return Content(
        text=text,
        html=html,
        subject=_("Tomorrow: %(title)s") % {"title": event.title},
        whatsapp_template=WhatsAppTemplate("concord_update", context.language, (text,)),
    )


@register("programme.cancelled_by_organiser")
def cancelled_by_organiser(context: RenderContext) -> Content:
    return _state_message(context, _("The organisers have cancelled your place at “%(title)s”."))


def _disruption(context: RenderContext) -> tuple[Event, Disruption]:
    disruption = Disruption.objects.select_related("event").get(pk=context.data["disruption"])
    return _event(context), disruption


def _disruption_content(context: RenderContext, headline: str) -> Content:
    event, disruption = _disruption(context)
    text, html = _lines(
        headline % {"title": event.title},
        _("Now: %(when)s, %(where)s.") % {"when": _when(event, context), "where": _where(event)},
        _("Why: %(reason)s") % {"reason": disruption.reason},
    )
    if event.format != Event.Format.IN_PERSON and event.meeting_url:
        text += "\n" + event.meeting_url
        html += "\n" + esc(event.meeting_url)
    return Content(
        text=text,
        html=html,
        subject=headline % {"title": event.title},
        whatsapp_template=WhatsAppTemplate("concord_update", context.language, (text,)),
    )


@register("programme.disruption.relocation")
def relocation(context: RenderContext) -> Content:
    return _disruption_content(context, _("Important: “%(title)s” has moved."))


@register("programme.disruption.reschedule")
def reschedule(context: RenderContext) -> Content:
    return _disruption_content(context, _("Important: “%(title)s” has new dates."))


@register("programme.disruption.format_switch")
def format_switch(context: RenderContext) -> Content:
    return _disruption_content(context, _("Important: “%(title)s” changes its format."))


@register("programme.disruption.cancellation")
def cancellation(context: RenderContext) -> Content:
    return _disruption_content(context, _("Important: “%(title)s” is cancelled."))
