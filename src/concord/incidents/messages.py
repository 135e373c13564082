"""What incident messages say, for the messaging layer's renderers.

Each builder runs in the recipient's language and time zone and reads the case as it is at
sending time. Alerts go to the case's circle and escalation tiers, who may see the exact place;
the reporter's name is in an alert only when the reporter agreed to be named.

WhatsApp templates (to be approved in Meta; docs/messaging.md):
    concord_alert           body "{{1}}\\n\\n{{2}}" (heading, details), quick replies
                            "I take it" / "Not mine"
    concord_update          body "{{1}}" — already used by the programme
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from concord.incidents.models import Case, ClusterAlert, Report
from concord.incidents.services.cases import owner_name
from concord.messaging.providers.base import Button, WhatsAppTemplate
from concord.messaging.rendering import Content, RenderContext, esc, register


def case_url(case: Case) -> str:
    return settings.CONCORD_SITE_URL.rstrip("/") + reverse("incidents:case", args=[case.pk])


def _case(context: RenderContext) -> Case:
    return (
        Case.objects.select_related("region", "city", "owner", "owner_user")
        .prefetch_related("communities")
        .get(pk=context.data["case"])
    )


def _place(case: Case) -> str:
    parts = [case.city.name if case.city else "", case.region.name]
    return ", ".join(p for p in parts if p)


def _lines(*lines: str) -> tuple[str, str]:
    kept = [line for line in lines if line is not None]
    return "\n".join(kept), "\n".join(esc(line) for line in kept)


def take_buttons(case: Case) -> tuple[Button, ...]:
    return (
        Button(f"case:take:{case.pk}", _("✋ I take it")),
        Button(f"case:pass:{case.pk}", _("Not mine")),
    )


def _first_report(case: Case) -> Report | None:
    return case.reports.select_related("reporter").order_by("received_at", "pk").first()


def _details(case: Case) -> list[str]:
    report = _first_report(case)
    lines = [
        _("Severity %(severity)d of 4 · %(category)s")
        % {"severity": case.severity, "category": case.get_category_display()},
    ]
    if report is not None:
        lines.append(f"{report.get_when_display()} · {report.get_crowd_display()}")
        lines.append(report.get_hurt_display())
    communities = ", ".join(c.name for c in case.communities.all())
    if communities:
        lines.append(_("Communities: %(names)s") % {"names": communities})
    if case.address:
        lines.append(_("Place: %(address)s") % {"address": case.address})
    if case.latitude is not None and case.longitude is not None:
        lines.append(f"https://www.openstreetmap.org/?mlat={case.latitude}&mlon={case.longitude}")
    if report is not None and report.named_consent and report.reporter is not None:
        reporter = report.reporter
        lines.append(
            _("Reported by %(name)s %(phone)s")
            % {"name": reporter.full_name, "phone": reporter.phone}
        )
    return lines


@register("incidents.alert")
def alert(context: RenderContext) -> Content:
    """To the circle (and the escalation tiers): what, where, how grave, with the two buttons."""
    case = _case(context)
    reminder = int(context.data.get("reminder") or 0)
    heading = _("🚨 Case %(number)s: %(place)s") % {"number": case.number, "place": _place(case)}
    if reminder:
        heading = _("⏰ Reminder: nobody has taken case %(number)s yet") % {"number": case.number}
    body = [case.summary, "", *_details(case), "", case_url(case)]
    text, html = _lines(heading, "", *body)
    buttons = take_buttons(case) if case.state == Case.State.NEW else ()
    return Content(
        text=text,
        html=html,
        subject=heading,
        buttons=buttons,
        whatsapp_template=WhatsAppTemplate(
            "concord_alert", context.language, (heading, "\n".join(body)[:900]), buttons
        ),
    )


@register("incidents.taken")
def taken(context: RenderContext) -> Content:
    """To everyone else who was alerted: who took the case, so they can stand down."""
    case = _case(context)
    line = _("Case %(number)s (%(place)s) was taken by %(name)s.") % {
        "number": case.number,
        "place": _place(case),
        "name": owner_name(case) or _("a coordinator"),
    }
    phone = case.owner.phone if case.owner else ""
    lines = [line] + ([_("Phone: %(phone)s") % {"phone": phone}] if phone else [])
    return _update(context, lines)


@register("incidents.report_received")
def report_received(context: RenderContext) -> Content:
    """To the reporter, at once: the case number and what happens next."""
    case = _case(context)
    lines = [
        _("Thank you. Your report is case %(number)s.") % {"number": case.number},
        _(
            "The people who respond in %(region)s have been alerted. We will tell you here when "
            "someone takes the case and when it is resolved."
        )
        % {"region": case.region.name},
        _("If anyone is in danger right now, call 112."),
    ]
    return _update(context, lines)


@register("incidents.reporter_update")
def reporter_update(context: RenderContext) -> Content:
    """To the reporter: the case was taken, resolved, or closed after checking."""
    case = _case(context)
    event = context.data.get("event")
    number = {"number": case.number}
    if event == "taken":
        line = _("Case %(number)s has been taken: someone is working on it.") % number
    elif event == "resolved":
        line = _("Case %(number)s is resolved. Thank you for telling us.") % number
    else:
        line = _("Case %(number)s was checked and closed.") % number
    return _update(context, [line])


@register("incidents.cluster")
def cluster(context: RenderContext) -> Content:
    """To the region's and the national coordinators: many reports in a short time."""
    found = ClusterAlert.objects.select_related("region").get(pk=context.data["cluster"])
    lines = [
        _("⚠️ %(count)d reports in %(region)s within %(hours)d hours.")
        % {"count": found.reports, "region": found.region.name, "hours": found.window_hours},
        _("Each may be minor; together they may mean rising tension. Latest: %(url)s")
        % {"url": case_url(_case(context))},
    ]
    return _update(context, lines)


def _update(context: RenderContext, lines: list[str]) -> Content:
    """A short notice; outside WhatsApp's window it goes as the programme's one-parameter
    update template."""
    text, html = _lines(*lines)
    return Content(
        text=text,
        html=html,
        subject=lines[0][:150],
        whatsapp_template=WhatsAppTemplate("concord_update", context.language, (text[:900],)),
    )
