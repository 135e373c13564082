"""The chat channels' webhooks; the project mounts them at /hooks/."""

from django.urls import path

from concord.messaging import views

app_name = "messaging"

urlpatterns = [
    path("telegram/", views.telegram_webhook, name="telegram_webhook"),
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp_webhook"),
]
