"""Import (national coordinators) and export (anyone who may see personal data) pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.accounts.models import User
from concord.accounts.scoping import scope_for
from concord.accounts.services import access_denied_record
from concord.directory.exporting import directory_export
from concord.directory.forms_io import ExportForm, ImportForm
from concord.directory.importing import import_run
from concord.directory.importing.columns import ORGANISATION_COLUMNS, PEOPLE_COLUMNS


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _columns() -> dict[str, object]:
    tables = [(_("Organisations"), ORGANISATION_COLUMNS), (_("People"), PEOPLE_COLUMNS)]
    return {"column_tables": tables}


@require_http_methods(["GET", "POST"])
def directory_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not scope_for(user).can_import:
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    if not form.is_valid():
        return render(request, "directory/import.html", {"form": form, **_columns()})
    upload = form.cleaned_data["file"]
    result = import_run(
        kind=form.cleaned_data["kind"],
        data=upload.read(),
        filename=upload.name,
        dry_run=form.dry_run,
        actor=user,
    )
    again = ImportForm(initial={"kind": form.cleaned_data["kind"]})
    context = {"result": result, "form": again, "filename": upload.name, **_columns()}
    return render(request, "directory/import_result.html", context)


@require_GET
def directory_export_view(request: HttpRequest) -> HttpResponse:
    """Without `fmt` the page with the choices; with it, the file."""
    user = _user(request)
    scope = scope_for(user)
    if not scope.can_export:
        raise Http404
    params = request.GET
    if params.get("include_ethnicity") and not scope.can_export_ethnicity:
        access_denied_record(
            actor=user,
            path=request.get_full_path(),
            detail={"export": "include_ethnicity"},
        )
        raise Http404
    if "fmt" not in request.GET:
        form = ExportForm(initial=params, scope=scope)
        return render(request, "directory/export.html", {"form": form})
    form = ExportForm(params, scope=scope)
    if not form.is_valid():
        return render(request, "directory/export.html", {"form": form})
    export = directory_export(
        scope=scope,
        actor=user,
        kind=form.cleaned_data["kind"],
        fmt=form.cleaned_data["fmt"],
        query=form.to_query(),
        include_ethnicity=form.cleaned_data.get("include_ethnicity", False),
        path=request.get_full_path(),
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    disposition = content_disposition_header(as_attachment=True, filename=export.filename)
    response["Content-Disposition"] = disposition or "attachment"
    return response
