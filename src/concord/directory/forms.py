from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from concord.directory.models import EthnicCommunity, Organisation, PersonRole
from concord.directory.selectors import DirectoryQuery
from concord.regions.models import Region


class DirectorySearchForm(forms.Form):
    """The search and filter bar of the directory. Every field is optional."""

    TABS = (("people", _("People")), ("organisations", _("Organisations")))
    SORTS = (("name", _("by name")), ("region", _("by region")))

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
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        required=False,
        choices=[("", _("All kinds")), *Organisation.Kind.choices],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
    tab = forms.ChoiceField(required=False, choices=TABS, widget=forms.HiddenInput)

    def to_query(self) -> DirectoryQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return DirectoryQuery(
            text=data.get("q", "").strip(),
            region=data.get("region"),
            community=data.get("community"),
            role=data.get("role", ""),
            kind=data.get("kind", ""),
            sort=data.get("sort") or "name",
        )

    @property
    def tab_value(self) -> str:
        if self.is_valid() and self.cleaned_data.get("tab"):
            return str(self.cleaned_data["tab"])
        return "people"
