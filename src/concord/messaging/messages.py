"""What the messaging app's own messages say: announcements and broadcasts.

A coordinator's words are stored in the outbox row's context and shown as written, under a
heading (the event's title, or the broadcast's title). Outside WhatsApp's 24-hour window only
an approved template may be sent, so every announcement also carries one:

    concord_announcement        body "{{1}}\\n\\n{{2}}" (heading, text), no buttons
    concord_announcement_rsvp   the same body with two quick-reply buttons (Yes / No)

Two templates, because a WhatsApp template's buttons are fixed when it is approved: people
with nothing to answer must not be shown Yes/No buttons that do nothing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from concord.messaging.providers.base import Button, WhatsAppTemplate
from concord.messaging.rendering import Content, RenderContext, esc, register
from concord.programme.models import Event, Registration
from concord.programme.services.registrations import ACTIVE

ANNOUNCEMENT = "messaging.announcement"
# WhatsApp refuses a template whose body is longer than 1024 characters; the heading and the
# template's own words need the rest.
TEXT_MAX = 900
HEADING_MAX = 100


def rsvp_buttons(registration_id: int) -> tuple[Button, ...]:
    """The bot's own RSVP buttons (see concord.bot.flows.my_events): one tap answers."""
    return (
        Button(f"rsvp:accept:{registration_id}", _("Yes, I will come")),
        Button(f"rsvp:decline:{registration_id}", _("No, I can't")),
    )


def _heading(data: dict[str, object]) -> str:
    event_id = data.get("event")
    if isinstance(event_id, int):
        title = Event.objects.filter(pk=event_id).values_list("title", flat=True).first()
        if title:
            return title[:HEADING_MAX]
    return str(data.get("title") or "")[:HEADING_MAX]


def _buttons(data: dict[str, object]) -> tuple[Button, ...]:
    """RSVP buttons only while the person still expects the event (not after a "no")."""
    registration_id = data.get("registration")
    if not isinstance(registration_id, int):
        return ()
    answerable = Registration.objects.filter(pk=registration_id, state__in=ACTIVE).exists()
    return rsvp_buttons(registration_id) if answerable else ()


@register(ANNOUNCEMENT)
def announcement(context: RenderContext) -> Content:
    """An announcement to a group, or one-to-one (a broadcast, or an event's news on WhatsApp)."""
    heading, text = _heading(context.data), str(context.data.get("text", ""))
    buttons = _buttons(context.data)
    name = "concord_announcement_rsvp" if buttons else "concord_announcement"
    return Content(
        text=f"{heading}\n\n{text}" if heading else text,
        html=f"<b>{esc(heading)}</b>\n\n{esc(text)}" if heading else esc(text),
        subject=heading or _("News from the network"),
        buttons=buttons,
        whatsapp_template=WhatsAppTemplate(
            name, context.language, (heading or _("News from the network"), text), buttons
        ),
    )
