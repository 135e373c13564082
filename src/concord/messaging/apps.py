from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "concord.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # Every app says what its messages look like in a `messages.py` module.
        autodiscover_modules("messages")
        from concord.messaging import groups

        groups.register()
