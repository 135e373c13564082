"""What every incidents view needs: the viewer, their scope, pagination and the service call
that turns a refusal into a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import dateformat, timezone

from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for
from concord.directory.models import Person
from concord.directory.pagination import Details, SearchPaginator
from concord.regions.models import Region

T = TypeVar("T")


def user_of(request: HttpRequest) -> User:
    """The logged-in user (every incidents view requires one)."""
    return cast(User, request.user)


def scope_of(request: HttpRequest) -> Scope:
    return scope_for(user_of(request))


def person_of(request: HttpRequest) -> Person | None:
    """The directory person linked to the logged-in user, if any."""
    return user_of(request).person


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def require(allowed: bool) -> None:
    """A page the viewer may not use does not exist for them."""
    if not allowed:
        raise Http404


def no_details(items: QuerySet[Any]) -> QuerySet[Any]:
    return items


def page_of(request: HttpRequest, items: QuerySet[Any], details: Details = no_details) -> Page[Any]:
    """One page of an ordered queryset: its ids first, then that page's rows with `details`
    (the directory's paginator)."""
    paginator = SearchPaginator(items, settings.CONCORD_PAGE_SIZE, details=details)
    return paginator.get_page(request.GET.get("page"))


def error_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def attempt(request: HttpRequest, call: Callable[[], T]) -> T | None:
    """Run a service; a refusal (CaseActionError or another ValidationError) becomes an error
    message on the next page, and None is returned."""
    try:
        return call()
    except ValidationError as error:
        for message in error_messages(error):
            messages.error(request, message)
    return None


def attempt_on_form(
    form: forms.Form, call: Callable[[], T], fields: dict[str, str] | None = None
) -> T | None:
    """Run a service; its ValidationError is shown on the form, each message next to its
    field (`fields` maps the service's names to the form's)."""
    try:
        return call()
    except ValidationError as error:
        apply_errors(form, error, fields or {})
    return None


def apply_errors(form: forms.Form, error: ValidationError, fields: dict[str, str]) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, field_messages in error.message_dict.items():
        target = fields.get(name, name)
        form.add_error(target if target in form.fields else None, field_messages)


def region_zone(region: Region) -> ZoneInfo:
    """Times of a case are shown in its region's zone (the network spans twelve zones)."""
    try:
        return ZoneInfo(region.timezone or settings.TIME_ZONE)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo(settings.TIME_ZONE)


def local_time(moment: datetime | None, region: Region) -> str:
    """A moment as "14 March 2025, 18:00 (UTC+3)" in the region's zone."""
    if moment is None:
        return ""
    local = timezone.localtime(moment, region_zone(region))
    return f"{dateformat.format(local, 'j E Y, H:i')} (UTC{utc_offset(local.utcoffset())})"


def utc_offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"
