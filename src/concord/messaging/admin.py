"""Admin of the outbox: coordinators see what is queued, sent or failed; nothing is edited here
(messages are written by the services and sent by the workers)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from concord.messaging.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("person", "template", "state", "priority", "created_at")
    list_filter = ("state", "template", "priority")
    search_fields = ("person__last_name", "person__first_name", "template", "dedupe_key")
    list_select_related = ("person",)
    date_hierarchy = "created_at"
    fields = (
        "person",
        "template",
        "context",
        "dedupe_key",
        "priority",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "provider_message_id",
        "last_error",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
