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
from concord.core.forms import ConfirmForm
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
# What a case action does once its form is right: one service call, with the viewer and what
# they typed.
Act = Callable[[HttpRequest, Case, dict[str, Any]], object]


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


# --- the shape of the actions with a form ---------------------------------------------------


def _act_on(
    request: HttpRequest,
    view: CaseView,
    form: forms.Form,
    act: Act,
    *,
    title: Any,
    done: str,
    warning: Any = "",
) -> HttpResponse:
    """The form is checked (else shown again with what was typed), then the service runs. A
    form that must be confirmed (ConfirmForm) first shows a confirmation page with what was
    typed and the `warning`; the second submit, with `confirmed`, does it, and "Change
    something" goes back to the form."""
    confirm = form if isinstance(form, ConfirmForm) else None
    if not form.is_valid() or (confirm is not None and "edit" in request.POST):
        return _form_page(request, view, form, title=title)
    if confirm is not None and not confirm.is_confirmed:
        context = {"case": view.case, "form": form, "title": title, "warning": warning}
        return render(request, "incidents/case_confirm.html", context)

    def call() -> object:
        return act(request, view.case, form.cleaned_data)

    return _perform(request, view, form, call, done=done, title=title)


def _form_action(
    form_class: type[forms.Form],
    allowed: Callable[[CaseView], bool],
    act: Act,
    *,
    title: Any,
    done: Any,
    warning: Any = "",
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The view of a case action with a form: a POST by a logged-in viewer who may open the
    case (else a logged 404) and may do this to it (else a logged 403), then `_act_on`."""

    @login_required
    @require_POST
    def action(request: HttpRequest, pk: int) -> HttpResponse:
        view = _case_for(request, pk, allowed)
        form = form_class(request.POST)
        return _act_on(request, view, form, act, title=title, done=str(done), warning=warning)

    return action


# --- states ---------------------------------------------------------------------------------

STEP_TITLES: dict[str, Any] = {
    S.VERIFIED: gettext_lazy("Mark as verified"),
    S.ACTION_TAKEN: gettext_lazy("Mark that action has been taken"),
}
STEP_DONE: dict[str, Any] = {
    S.VERIFIED: gettext_lazy("The case is marked as verified."),
    S.ACTION_TAKEN: gettext_lazy("The case is marked: action taken."),
}


def _transition(to_state: str) -> Act:
    """Moving the case to `to_state`, with the form's comment."""

    def act(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
        return services.case_transition(
            case=case,
            to_state=to_state,
            user=user_of(request),
            person=person_of(request),
            comment=data["comment"],
        )

    return act


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int, to_state: str) -> HttpResponse:
    """Verify, or record that action was taken."""
    if to_state not in STEP_TITLES:
        raise Http404
    view = _case_for(request, pk, lambda v: to_state in v.allowed_transitions)
    form = TransitionForm(request.POST, prefix=to_state)
    done, title = str(STEP_DONE[to_state]), STEP_TITLES[to_state]
    return _act_on(request, view, form, _transition(to_state), title=title, done=done)


case_invalidate = _form_action(
    InvalidateForm,
    lambda v: S.INVALIDATED in v.allowed_transitions,
    _transition(S.INVALIDATED),
    title=gettext_lazy("Close as invalid"),
    done=gettext_lazy("The case is closed as invalid."),
    warning=gettext_lazy(
        "The case will be closed as not true or not for the network, and the reporters will "
        "be told. It can be reopened later."
    ),
)


def _resolve(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
    return services.case_resolve(
        case=case,
        outcome=data["outcome"],
        lesson=data.get("lesson") or "",
        user=user_of(request),
        person=person_of(request),
    )


case_resolve = _form_action(
    ResolveForm,
    lambda v: S.RESOLVED in v.allowed_transitions,
    _resolve,
    title=gettext_lazy("Resolve the case"),
    done=gettext_lazy("The case is resolved. Thank you."),
    warning=gettext_lazy("The case will be closed as resolved, and the reporters will be told."),
)


def _reopen(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
    return services.case_reopen(case=case, reason=data["reason"], user=user_of(request))


case_reopen = _form_action(
    ReopenForm,
    lambda v: S.REOPENED in v.allowed_transitions,
    _reopen,
    title=gettext_lazy("Reopen the case"),
    done=gettext_lazy("The case is open again."),
)


# --- notes, severity, category -------------------------------------------------------------


def _note_add(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
    user, person = user_of(request), person_of(request)
    return services.case_note_add(case=case, text=data["text"], user=user, person=person)


def _severity_change(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
    return services.case_severity_change(
        case=case, severity=data["severity"], reason=data["reason"], user=user_of(request)
    )


def _category_change(request: HttpRequest, case: Case, data: dict[str, Any]) -> object:
    return services.case_category_change(
        case=case, category=data["category"], reason=data["reason"], user=user_of(request)
    )


case_note = _form_action(
    NoteForm,
    lambda v: v.can_note,
    _note_add,
    title=gettext_lazy("Add a note"),
    done=gettext_lazy("The note is added."),
)
case_severity = _form_action(
    SeverityForm,
    lambda v: v.can_handle,
    _severity_change,
    title=gettext_lazy("Change the severity"),
    done=gettext_lazy("The severity is changed."),
)
case_category = _form_action(
    CategoryForm,
    lambda v: v.can_handle,
    _category_change,
    title=gettext_lazy("Change the category"),
    done=gettext_lazy("The category is changed."),
)
