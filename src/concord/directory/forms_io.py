"""Forms of the import and export pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from concord.accounts.scoping import Scope
from concord.directory.exporting import KIND_ORGANISATIONS, KIND_PEOPLE
from concord.directory.forms import DirectoryFilterForm, kind_of_organisation_field

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
KIND_CHOICES = ((KIND_ORGANISATIONS, _("Organisations")), (KIND_PEOPLE, _("People")))


class ImportForm(forms.Form):
    CHECK = "check"
    IMPORT = "import"

    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        validators=[FileExtensionValidator(["csv", "txt", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    # Set by the button pressed; without one, only check: writing must be asked for.
    action = forms.ChoiceField(
        required=False, choices=((CHECK, _("Check only")), (IMPORT, _("Import")))
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Split it into smaller files.")
            )
        return upload

    @property
    def dry_run(self) -> bool:
        return self.cleaned_data.get("action") != self.IMPORT


class ExportForm(DirectoryFilterForm):
    """What to export; the filters have the names and meaning of the directory's search."""

    organisation_kind_field = "org_kind"
    field_order = ("kind", "fmt", "q", "region", "community", "role", "org_kind")

    kind = forms.ChoiceField(
        label=_("What to export"), choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    fmt = forms.ChoiceField(
        label=_("File format"),
        choices=(("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV"))),
        initial="xlsx",
        widget=forms.RadioSelect,
    )
    org_kind = kind_of_organisation_field()
    include_ethnicity = forms.BooleanField(
        label=_("Include ethnic affiliation"),
        required=False,
        help_text=_(
            "Special-category data. Only for people who consented; the export is recorded in "
            "the audit log. Keep the file safe and delete it when you no longer need it."
        ),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not scope.can_export_ethnicity:
            del self.fields["include_ethnicity"]
