"""One action on one registration: by the person (accept, decline, cancel) or by a coordinator
of the event (confirm, cancel_by_organiser). Anyone else's registration is a 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from concord.programme import selectors_views, services
from concord.programme.forms import OrganiserCancelForm
from concord.programme.models import Registration
from concord.programme.views.common import event_url, next_url, person_of, scope_of, user_of
from concord.programme.views.display import when

S = Registration.State
PERSONAL = frozenset({"accept", "decline", "cancel"})
ORGANISER = frozenset({"confirm", "cancel_by_organiser"})
TO_CONFIRM = frozenset({"cancel", "cancel_by_organiser"})

ACCEPTED = {
    S.REGISTERED: gettext_lazy("You are registered. See you there!"),
    S.CONFIRMED: gettext_lazy("Your place is confirmed. See you there!"),
    S.WAITLISTED: gettext_lazy(
        "The event is full, so you are on the waiting list. We will tell you as soon as a place "
        "is free."
    ),
}


def _registration(request: HttpRequest, pk: int, action: str) -> Registration:
    if action in PERSONAL:
        return selectors_views.registration_of_person(person=person_of(request), pk=pk)
    if action in ORGANISER:
        return selectors_views.registration_for_manager(scope=scope_of(request), pk=pk)
    raise Http404


@login_required
@require_POST
def registration_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    registration = _registration(request, pk, action)
    default = reverse("programme:my") if action in PERSONAL else event_url(registration.event)
    back = next_url(request, default)
    form = OrganiserCancelForm(request.POST)
    form.is_valid()
    if action in TO_CONFIRM and not form.is_confirmed:
        context = {
            "registration": registration,
            "event": registration.event,
            "when": when(registration.event),
            "action": action,
            "form": form,
            "back": back,
        }
        return render(request, "programme/registration_confirm.html", context)
    try:
        text = ACTIONS[action](request, registration, form.cleaned_data.get("reason") or "")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, text)
    return redirect(back)


def _accept(request: HttpRequest, registration: Registration, _reason: str) -> str:
    mode = request.POST.get("mode", "")
    mode = mode if mode in Registration.Mode.values else ""
    done = services.registration_accept(registration=registration, by=user_of(request), mode=mode)
    return str(ACCEPTED.get(S(done.state), _("Thank you, your answer is saved.")))


def _decline(request: HttpRequest, registration: Registration, _reason: str) -> str:
    services.registration_decline(registration=registration, by=user_of(request))
    return _("You declined. Thank you for letting us know.")


def _cancel(request: HttpRequest, registration: Registration, _reason: str) -> str:
    services.registration_cancel(registration=registration, by=user_of(request), by_organiser=False)
    return _("Your registration is cancelled. Thank you for letting us know.")


def _confirm(request: HttpRequest, registration: Registration, _reason: str) -> str:
    services.registration_confirm(registration=registration, by=user_of(request))
    return _("Place confirmed for %(person)s.") % {"person": registration.person.full_name}


def _cancel_by_organiser(request: HttpRequest, registration: Registration, reason: str) -> str:
    services.registration_cancel(
        registration=registration, by=user_of(request), by_organiser=True, reason=reason
    )
    return _("Registration of %(person)s cancelled; they will be told.") % {
        "person": registration.person.full_name
    }


ACTIONS: dict[str, Callable[[HttpRequest, Registration, str], str]] = {
    "accept": _accept,
    "decline": _decline,
    "cancel": _cancel,
    "confirm": _confirm,
    "cancel_by_organiser": _cancel_by_organiser,
}
