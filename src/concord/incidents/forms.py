"""The incidents' web forms: the case list's filters, the report forms (web and phone), the
actions on a case and the response circle. They only check what a person typed; every rule
about reports and cases is the services' (`report_validate`, `CaseActionError`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from concord.accounts.scoping import Scope
from concord.core.forms import ConfirmForm
from concord.directory.contacts import phone_normalise
from concord.directory.models import EthnicCommunity, Person
from concord.incidents.models import Case, Category, CircleMember, Report, ReportAttachment
from concord.incidents.services import ATTACHMENT_MAX_BYTES, AttachmentDraft, ReportDraft
from concord.regions.models import City, Region

SEVERITY_LABELS = {
    1: _("1 — watch"),
    2: _("2 — needs attention"),
    3: _("3 — serious"),
    4: _("4 — act at once"),
}
SEVERITY_CHOICES = list(SEVERITY_LABELS.items())
REASON_REQUIRED = _("Please say why: the others will read it in the case's history.")


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _search_field(label: Any) -> forms.CharField:
    """An optional search box of up to 100 characters, without the browser's suggestions."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


# --- the case list --------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The filters and sorting of the case list. Every field is optional."""

    OPEN, CLOSED = "open", "closed"
    SORTS = (
        ("newest", _("newest first")),
        ("severity", _("most serious first")),
        ("region", _("by region")),
    )

    q = _search_field(_("Case number or words"))
    status = forms.ChoiceField(
        label=_("Open or closed"),
        required=False,
        choices=[("", _("Open and closed")), (OPEN, _("Open")), (CLOSED, _("Closed"))],
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *Case.State.choices]
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any severity")), *SEVERITY_CHOICES],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("Any category")), *Category.choices],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The valid filters; a filter with a wrong value is ignored rather than refused."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields}


# --- reports --------------------------------------------------------------------------------


def attachment_kind(content_type: str) -> str:
    """Photo, voice message, video or file, from what the browser says the upload is."""
    major = (content_type or "").split("/")[0]
    kinds = {
        "image": ReportAttachment.Kind.PHOTO,
        "audio": ReportAttachment.Kind.VOICE,
        "video": ReportAttachment.Kind.VIDEO,
    }
    return kinds.get(major, ReportAttachment.Kind.DOCUMENT)


class ReportForm(forms.Form):
    """What the bot asks, on one page: what happened, where, when, how many, who."""

    # The service's field names that are not the form's.
    SERVICE_FIELDS = {"attachments": "attachment", "latitude": "address"}

    text = forms.CharField(
        label=_("What happened?"),
        help_text=_("In your own words: who, what, what is happening now."),
        required=False,
        strip=False,
        widget=_textarea(6),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        required=False,
        empty_label=_("Choose…"),
        # The city list follows the region (views.reports.city_options).
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("incidents:cities"),
                "hx-target": "#city-field",
                "hx-swap": "outerHTML",
            }
        ),
    )
    city = forms.ModelChoiceField(
        label=_("City or town"),
        queryset=City.objects.all(),
        required=False,
        empty_label=_("Not known / another place"),
    )
    address = forms.CharField(
        label=_("Address or place"),
        help_text=_("A street, a market, a school… Only the response circle will see it."),
        required=False,
        max_length=300,
    )
    when = forms.ChoiceField(
        label=_("When?"),
        choices=Report.When.choices,
        initial=Report.When.NOW,
        widget=forms.RadioSelect,
    )
    crowd = forms.ChoiceField(
        label=_("How many people are involved?"),
        choices=Report.Crowd.choices,
        initial=Report.Crowd.UNKNOWN,
        widget=forms.RadioSelect,
    )
    hurt = forms.ChoiceField(
        label=_("Is anyone hurt?"),
        choices=Report.Hurt.choices,
        initial=Report.Hurt.UNKNOWN,
        widget=forms.RadioSelect,
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("Which communities are involved?"),
        queryset=EthnicCommunity.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    named_consent = forms.BooleanField(
        label=_("The police and officials may know my name"),
        help_text=_("Without this, only the coordinators will know who reported."),
        required=False,
    )
    attachment = forms.FileField(
        label=_("A photo, voice message or file (optional)"),
        help_text=_("Up to %(limit)d MB.") % {"limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any city is accepted (report_validate says when it is not in the region); the list
        # offers the chosen region's.
        field = self.fields["city"]
        field.queryset = City.objects.all()  # type: ignore[attr-defined]
        region = self._chosen_region()
        cities = City.objects.filter(region=region) if region else City.objects.none()
        field.widget.choices = [("", field.empty_label), *((c.pk, str(c)) for c in cities)]  # type: ignore[attr-defined]

    def _chosen_region(self) -> Region | None:
        """The region whose cities the city list offers: the one sent, else the initial one."""
        if self.is_bound:
            sent = str(self.data.get("region") or "")
            return Region.objects.filter(pk=sent).first() if sent.isdigit() else None
        initial = self.initial.get("region")
        return initial if isinstance(initial, Region) else None

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > ATTACHMENT_MAX_BYTES:
            limit = ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise ValidationError(
                _("The file is too large: at most %(limit)d MB.") % {"limit": limit}
            )
        return upload

    def to_draft(self) -> ReportDraft:
        data = self.cleaned_data
        upload = data.get("attachment")
        attachments = (
            [AttachmentDraft(kind=attachment_kind(upload.content_type), upload=upload)]
            if upload
            else []
        )
        return ReportDraft(
            text=data.get("text") or "",
            region=data.get("region"),
            city=data.get("city"),
            address=data.get("address") or "",
            when=data.get("when") or Report.When.NOW,
            crowd=data.get("crowd") or Report.Crowd.UNKNOWN,
            hurt=data.get("hurt") or Report.Hurt.UNKNOWN,
            communities=list(data.get("communities") or []),
            named_consent=bool(data.get("named_consent")),
            attachments=attachments,
        )


class PhoneReportForm(ReportForm):
    """A report a coordinator takes down on the phone: who called, and what they said."""

    reporter_name = forms.CharField(label=_("Caller's name"), required=False, max_length=200)
    reporter_phone = forms.CharField(
        label=_("Caller's phone"),
        help_text=_("With the country code, for example +7 916 123-45-67."),
        required=False,
        max_length=40,
    )
    reporter = forms.ModelChoiceField(
        label=_("The caller in the directory"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Not in the directory"),
        widget=forms.RadioSelect,
    )
    find = _search_field(_("Find the caller in the directory"))

    field_order = ["reporter_name", "reporter_phone", "find", "reporter"]

    def __init__(
        self, *args: Any, scope: Scope, candidates: Sequence[Person] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reporter"]
        field.queryset = scope.people()  # type: ignore[attr-defined]
        # Offered: the people the search found, and the one already chosen (the directory
        # is far too long for one list).
        shown = list(candidates)
        chosen = str(self.data.get("reporter") or "") if self.is_bound else ""
        if chosen.isdigit() and all(str(p.pk) != chosen for p in shown):
            shown += list(scope.people().filter(pk=chosen).select_related("region", "city"))
        choices = [("", field.empty_label), *((p.pk, _person_label(p)) for p in shown)]  # type: ignore[attr-defined]
        field.widget.choices = choices

    def clean_reporter_phone(self) -> str:
        raw = self.cleaned_data.get("reporter_phone", "").strip()
        return phone_normalise(raw) if raw else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = data.get("reporter") or data.get("reporter_name", "").strip()
        if not named and "reporter_name" not in self.errors:
            self.add_error(
                "reporter_name", _("Write the caller's name, or find them in the directory.")
            )
        return data


def _person_label(person: Person) -> str:
    city = f", {person.city}" if person.city_id else ""
    return f"{person.full_name} ({person.region}{city})"


# --- actions on a case ----------------------------------------------------------------------


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason"))
        super().__init__(
            max_length=2000,
            widget=_textarea(3),
            error_messages={"required": REASON_REQUIRED},
            **kwargs,
        )


class NoteForm(forms.Form):
    prefix = "note"  # several forms share the case page

    text = forms.CharField(label=_("Note"), max_length=4000, widget=_textarea(3))


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=_textarea(2)
    )


class InvalidateForm(ConfirmForm):
    prefix = "invalidate"  # several forms share the case page

    comment = ReasonField(label=_("Why is the report not true or not for us?"))


class ResolveForm(ConfirmForm):
    prefix = "resolve"  # several forms share the case page

    outcome = forms.CharField(
        label=_("How did it end?"),
        max_length=4000,
        widget=_textarea(4),
        error_messages={"required": _("Please write how the case ended.")},
    )
    lesson = forms.CharField(
        label=_("Lesson learned (optional)"),
        help_text=_("What would help others in a similar case? Used in trainings, without names."),
        required=False,
        max_length=4000,
        widget=_textarea(4),
    )


class ReopenForm(forms.Form):
    prefix = "reopen"  # several forms share the case page

    reason = ReasonField(label=_("Why is the case opened again?"))


class SeverityForm(forms.Form):
    prefix = "severity"  # several forms share the case page

    severity = forms.TypedChoiceField(label=_("New severity"), coerce=int, choices=SEVERITY_CHOICES)
    reason = ReasonField()


class CategoryForm(forms.Form):
    prefix = "category"  # several forms share the case page

    category = forms.ChoiceField(label=_("New category"), choices=Category.choices)
    reason = ReasonField()


# --- the response circle --------------------------------------------------------------------


class CircleMemberForm(forms.Form):
    """Add one person (found by the search, within the viewer's scope) to a region's circle."""

    person = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.HiddenInput)
    part = forms.ChoiceField(label=_("Part in the circle"), choices=CircleMember.Part.choices)
    community = forms.ModelChoiceField(
        label=_("Only for cases of the community"),
        queryset=EthnicCommunity.objects.all(),
        required=False,
        empty_label=_("Every case of the region"),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = scope.people()  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = _search_field(_("Search"))

    @property
    def text(self) -> str:
        return str(self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""
