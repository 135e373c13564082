"""Admin of the incidents app: the escalation time limits per severity, response circles, and
the record of cluster and tension alerts.

Cases and reports are not here on purpose: they hold reporters' identities, and every view of
a case must go through the case page, which applies the privacy rules and writes the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from concord.incidents.models import CircleMember, ClusterAlert, EscalationPolicy, TensionAlert


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("severity", "acknowledge_minutes", "reminder_minutes")
    list_editable = ("acknowledge_minutes", "reminder_minutes")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return EscalationPolicy.objects.count() < 4  # one per severity, 1–4

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a severity without a policy would fall back to defaults silently


@admin.register(CircleMember)
class CircleMemberAdmin(admin.ModelAdmin):
    list_display = ("region", "person", "part", "community", "added_at")
    list_filter = ("part", "region")
    search_fields = ("person__last_name", "person__first_name", "region__name_ru")
    list_select_related = ("region", "person", "community")
    raw_id_fields = ("person",)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClusterAlert)
class ClusterAlertAdmin(_ReadOnly):
    list_display = ("region", "reports", "window_hours", "raised_at")
    list_filter = ("region",)


@admin.register(TensionAlert)
class TensionAlertAdmin(_ReadOnly):
    list_display = ("region", "day", "index", "baseline", "raised_at")
    list_filter = ("region",)
