from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.directory.models import EthnicCommunity, Organisation, PersonRole
from concord.directory.selectors import DirectoryQuery
from concord.regions.models import Region


class DirectoryFilterForm(forms.Form):
    """The filters the directory's search and its export share. Every field is optional."""

    # The field holding the kind of organisation ("kind" on the search page, where "kind" in
    # the export means people or organisations).
    organisation_kind_field = "kind"

    q = forms.CharField(
        label=_("Name, organisation, phone or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=EthnicCommunity.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("All communities"),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *PersonRole.Role.choices]
    )

    def to_query(self) -> DirectoryQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return DirectoryQuery(
            text=data.get("q", "").strip(),
            region=data.get("region"),
            community=data.get("community"),
            role=data.get("role", ""),
            kind=data.get(self.organisation_kind_field, ""),
            sort=data.get("sort") or "name",
        )


def kind_of_organisation_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("All kinds")), *Organisation.Kind.choices],
    )


class DirectorySearchForm(DirectoryFilterForm):
    """The search and filter bar of the directory."""

    TABS = (("people", _("People")), ("organisations", _("Organisations")))
    SORTS = (("name", _("by name")), ("region", _("by region")))

    kind = kind_of_organisation_field()
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
    tab = forms.ChoiceField(required=False, choices=TABS, widget=forms.HiddenInput)

    @property
    def tab_value(self) -> str:
        if self.is_valid() and self.cleaned_data.get("tab"):
            return str(self.cleaned_data["tab"])
        return "people"
