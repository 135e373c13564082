"""What people do on a case page, each a POST that calls one service. Whether the viewer may do
it is the selectors' CaseView; a refusal by the service (CaseActionError) becomes a message.
Invalidating and resolving are confirmed on a second page first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from concord.accounts.services import access_denied_record
from concord.incidents import selectors, services
from concord.incidents.forms import (
    CategoryForm,
    InvalidateForm,
    NoteForm,
    ReopenForm,
    ResolveForm,
    SeverityForm,
    TransitionForm,
)
from concord.incidents.models import Case
from concord.incidents.selectors import CaseView
from concord.incidents.views.common import apply_errors, person_of, scope_of, user_of

S = Case.State


def _case_for(request: HttpRequest, pk: int, allowed: Callable[[CaseView], bool]) -> CaseView:
    """The case, if the viewer may open it (else a logged 404) and may do this to it (else a
    logged 403)."""
    scope = scope_of(request)
    case = selectors.case_get(scope=scope, pk=pk, path=request.get_full_path())
    view = selectors.case_view(scope=scope, case=case)
    if not allowed(view):
        path = request.get_full_path()
        detail = {"kind": "case_action", "pk": str(pk)}
        access_denied_record(actor=user_of(request), path=path, detail=detail)
        raise PermissionDenied
    return view


def _back(case: Case) -> HttpResponse:
    return redirect("incidents:case", pk=case.pk)


def _perform(
    request: HttpRequest,
    view: CaseView,
    form: forms.Form,
    call: Callable[[], object],
    *,
    done: str,
    title: Any,
) -> HttpResponse:
    """Run the service. Errors about a field go back to the form with what was typed; any
    other refusal (a closed case…) is a message on the case page."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict") and any(n in form.fields for n in error.error_dict):
            apply_errors(form, error, {})
            return _form_page(request, view, form, title=title)
        for message in error.messages:
            messages.error(request, message)
        return _back(view.case)
    messages.success(request, done)
    return _back(view.case)


def _form_page(
    request: HttpRequest, view: CaseView, form: forms.Form, *, title: Any
) -> HttpResponse:
    context = {"case": view.case, "form": form, "title": title}
    return render(request, "incidents/case_action.html", context)


# --- "I take it" and "Not mine" ------------------------------------------------------------


@login_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: v.can_take)
    user = user_of(request)
    try:
        outcome = services.case_take(case=view.case, person=person_of(request), user=user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _back(view.case)
    if outcome.taken:
        messages.success(request, _("You have taken the case. The others have been told."))
    elif outcome.already_owner:
        messages.info(request, _("You had already taken this case."))
    else:
        text = _("%(name)s has already taken this case.") % {"name": outcome.owner_name}
        messages.warning(request, text)
    return _back(view.case)


@login_required
@require_POST
def case_decline(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: v.can_decline)
    person = person_of(request)
    if person is None:  # can_decline means the person was alerted
        raise Http404
    call = lambda: services.case_decline(case=view.case, person=person)  # noqa: E731
    done = _("Noted: the case is not for you. Others will be asked.")
    return _perform(request, view, forms.Form(), call, done=done, title="")


# --- states ---------------------------------------------------------------------------------

STEP_TITLES: dict[str, Any] = {
    S.VERIFIED: gettext_lazy("Mark as verified"),
    S.ACTION_TAKEN: gettext_lazy("Mark that action has been taken"),
}
STEP_DONE: dict[str, Any] = {
    S.VERIFIED: gettext_lazy("The case is marked as verified."),
    S.ACTION_TAKEN: gettext_lazy("The case is marked: action taken."),
}


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int, to_state: str) -> HttpResponse:
    """Verify, or record that action was taken."""
    if to_state not in STEP_TITLES:
        raise Http404
    view = _case_for(request, pk, lambda v: to_state in v.allowed_transitions)
    form = TransitionForm(request.POST, prefix=to_state)
    if not form.is_valid():
        return _form_page(request, view, form, title=STEP_TITLES[to_state])

    def call() -> object:
        return services.case_transition(
            case=view.case,
            to_state=to_state,
            user=user_of(request),
            person=person_of(request),
            comment=form.cleaned_data["comment"],
        )

    done, title = str(STEP_DONE[to_state]), STEP_TITLES[to_state]
    return _perform(request, view, form, call, done=done, title=title)


def _confirmed_flow(
    request: HttpRequest,
    view: CaseView,
    form: InvalidateForm | ResolveForm,
    call: Callable[[], object],
    *,
    title: Any,
    warning: str,
    done: str,
) -> HttpResponse:
    """First submit: the form is checked and a confirmation page shows what was typed;
    the second, with `confirmed`, does it. "Change something" goes back to the form."""
    if not form.is_valid() or "edit" in request.POST:
        return _form_page(request, view, form, title=title)
    if not form.is_confirmed:
        context = {"case": view.case, "form": form, "title": title, "warning": warning}
        return render(request, "incidents/case_confirm.html", context)
    return _perform(request, view, form, call, done=done, title=title)


@login_required
@require_POST
def case_invalidate(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: S.INVALIDATED in v.allowed_transitions)
    form = InvalidateForm(request.POST)

    def call() -> object:
        return services.case_transition(
            case=view.case,
            to_state=S.INVALIDATED,
            user=user_of(request),
            person=person_of(request),
            comment=form.cleaned_data["comment"],
        )

    warning = _(
        "The case will be closed as not true or not for the network, and the reporters will "
        "be told. It can be reopened later."
    )
    done = _("The case is closed as invalid.")
    title = gettext_lazy("Close as invalid")
    return _confirmed_flow(request, view, form, call, title=title, warning=warning, done=done)


@login_required
@require_POST
def case_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: S.RESOLVED in v.allowed_transitions)
    form = ResolveForm(request.POST)

    def call() -> object:
        data = form.cleaned_data
        return services.case_resolve(
            case=view.case,
            outcome=data["outcome"],
            lesson=data.get("lesson") or "",
            user=user_of(request),
            person=person_of(request),
        )

    warning = _("The case will be closed as resolved, and the reporters will be told.")
    done = _("The case is resolved. Thank you.")
    title = gettext_lazy("Resolve the case")
    return _confirmed_flow(request, view, form, call, title=title, warning=warning, done=done)


@login_required
@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: S.REOPENED in v.allowed_transitions)
    form = ReopenForm(request.POST)
    title = gettext_lazy("Reopen the case")
    if not form.is_valid():
        return _form_page(request, view, form, title=title)
    reason = form.cleaned_data["reason"]
    call = lambda: services.case_reopen(case=view.case, reason=reason, user=user_of(request))  # noqa: E731
    return _perform(request, view, form, call, done=_("The case is open again."), title=title)


# --- notes, severity, category -------------------------------------------------------------


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: v.can_note)
    form = NoteForm(request.POST)
    title = gettext_lazy("Add a note")
    if not form.is_valid():
        return _form_page(request, view, form, title=title)

    def call() -> object:
        text = form.cleaned_data["text"]
        user, person = user_of(request), person_of(request)
        return services.case_note_add(case=view.case, text=text, user=user, person=person)

    return _perform(request, view, form, call, done=_("The note is added."), title=title)


@login_required
@require_POST
def case_severity(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: v.can_handle)
    form = SeverityForm(request.POST)
    title = gettext_lazy("Change the severity")
    if not form.is_valid():
        return _form_page(request, view, form, title=title)

    def call() -> object:
        data = form.cleaned_data
        return services.case_severity_change(
            case=view.case, severity=data["severity"], reason=data["reason"], user=user_of(request)
        )

    return _perform(request, view, form, call, done=_("The severity is changed."), title=title)


@login_required
@require_POST
def case_category(request: HttpRequest, pk: int) -> HttpResponse:
    view = _case_for(request, pk, lambda v: v.can_handle)
    form = CategoryForm(request.POST)
    title = gettext_lazy("Change the category")
    if not form.is_valid():
        return _form_page(request, view, form, title=title)

    def call() -> object:
        data = form.cleaned_data
        return services.case_category_change(
            case=view.case, category=data["category"], reason=data["reason"], user=user_of(request)
        )

    return _perform(request, view, form, call, done=_("The category is changed."), title=title)
