"""Admin of the bot: which chats are where, and which links were made and used. Nothing is
created here: links come from `bot.services.link_token_create` (the token is a credential and
is never listed), conversations from the chats themselves."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from concord.bot.models import Conversation, LinkToken


@admin.register(LinkToken)
class LinkTokenAdmin(admin.ModelAdmin):
    list_display = ("person", "created_at", "expires_at", "used_at", "used_by")
    list_filter = ("used_at",)
    search_fields = ("person__last_name", "person__first_name")
    list_select_related = ("person",)
    exclude = ("token",)
    readonly_fields = ("person", "created_by", "created_at", "used_at", "used_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("channel", "chat_key", "person", "flow", "step", "updated_at")
    list_filter = ("channel", "flow")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    readonly_fields = ("updated_at",)
