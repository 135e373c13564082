"""What every programme view needs: the viewer's scope, the event they manage, pagination and
a safe way back to where the person came from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for
from concord.directory.models import Person
from concord.programme.forms import OverrideMixin, apply_errors
from concord.programme.models import Event
from concord.programme.selectors import event_get
from concord.programme.services import RestrictionConflict

T = TypeVar("T")


def scope_of(request: HttpRequest) -> Scope:
    return scope_for(user_of(request))


def user_of(request: HttpRequest) -> User:
    """The logged-in user (every programme view requires one)."""
    return cast(User, request.user)


def is_htmx(request: HttpRequest) -> bool:
    """Whether HTMX asked for a piece of the page (django-htmx's middleware sets this)."""
    return bool(getattr(request, "htmx", False))


def person_of(request: HttpRequest) -> Person | None:
    """The directory person linked to the logged-in user, if any."""
    return getattr(request.user, "person", None)


def managed_event(request: HttpRequest, pk: int) -> tuple[Event, Scope]:
    """The event, if the viewer may manage it; a 404 for everyone else."""
    scope = scope_of(request)
    event = event_get(pk=pk)
    if not scope.can_manage_event(event.host_region_id):
        raise Http404
    return event, scope


def page_of(request: HttpRequest, items: Any, per_page: int | None = None) -> Page[Any]:
    paginator = Paginator(items, per_page or settings.CONCORD_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` address of the form when it is one of ours, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else default


def event_url(event: Event) -> str:
    return reverse("programme:event", args=[event.pk])


RESTRICTED = _(
    "A regional restriction forbids a gathering of this size then. Change the dates, the place "
    "or the number of places, or say why the event must go ahead anyway."
)


def attempt(
    form: forms.Form,
    call: Callable[[], T],
    fields: dict[str, str] | None = None,
    default: str | None = None,
) -> T | None:
    """Run a service; on a ValidationError put its messages on the form and return None.

    A restriction conflict also opens the form's required "override reason" box.
    """
    try:
        return call()
    except RestrictionConflict as conflict:
        if isinstance(form, OverrideMixin):
            form.conflict_show(conflict.restrictions)
        form.add_error(None, str(RESTRICTED))
    except ValidationError as error:
        apply_errors(form, error, fields, default)
    return None


class _DryRun(Exception):
    pass


def dry_run(form: forms.Form, call: Callable[[], object], fields: dict[str, str]) -> bool:
    """Try a change and roll it back: the confirmation step appears only for what will work.

    The services write only to the database (messages go to the outbox table), so a rolled
    back attempt leaves no trace.
    """
    try:
        with transaction.atomic():
            if attempt(form, call, fields) is None:
                return False
            raise _DryRun
    except _DryRun:
        return True
