from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from concord.accounts.models import AuditEntry
from concord.accounts.services import audit_record
from concord.directory.models import (
    Consent,
    EthnicAffiliation,
    EthnicCommunity,
    Membership,
    Organisation,
    Person,
    PersonRole,
)


@admin.register(EthnicCommunity)
class EthnicCommunityAdmin(admin.ModelAdmin):
    list_display = ("name_ru", "name_en", "slug")
    search_fields = ("name_ru", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)


class RoleInline(admin.TabularInline):
    model = PersonRole
    extra = 0


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "method", "given_at", "withdrawn_at", "note")


class AffiliationFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            consent = form.cleaned_data.get("consent") if hasattr(form, "cleaned_data") else None
            if consent is None or form.cleaned_data.get("DELETE"):
                continue
            if consent.person_id != self.instance.pk or not consent.is_active:
                raise ValidationError(_("Choose this person's active consent to store ethnicity."))
            if consent.purpose != Consent.Purpose.ETHNICITY:
                raise ValidationError(_("Only a consent to store ethnic affiliation allows it."))


class EthnicAffiliationInline(admin.TabularInline):
    model = EthnicAffiliation
    formset = AffiliationFormSet
    fk_name = "person"
    extra = 0
    verbose_name_plural = _("ethnic affiliation (special-category data, audited)")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "region", "city", "phone", "preferred_channel", "digital_skill")
    list_filter = ("preferred_channel", "digital_skill", "roles__role", "region")
    search_fields = ("last_name", "first_name", "email", "phone", "telegram_username")
    autocomplete_fields = ("region", "city")
    list_select_related = ("region", "city")
    inlines = (RoleInline, MembershipInline, ConsentInline, EthnicAffiliationInline)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        person = self.get_object(request, object_id)
        if person is not None:
            # The change form shows ethnic affiliation, so every opening is audited.
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                action=AuditEntry.Action.VIEW_ETHNICITY,
                person=person,
                path=request.get_full_path(),
                detail={"via": "admin"},
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "city", "cooperation")
    list_filter = ("kind", "cooperation", "serves", "region")
    search_fields = ("name", "email", "phone")
    autocomplete_fields = ("region", "city")
    filter_horizontal = ("communities",)
    list_select_related = ("region", "city")
