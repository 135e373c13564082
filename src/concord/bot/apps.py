from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BotConfig(AppConfig):
    name = "concord.bot"
    label = "bot"
    verbose_name = _("Bot")

    def ready(self) -> None:
        # Every module of `flows` registers its flow on import; the handlers plug the engine
        # into the inbound dispatcher of the messaging app.
        from concord.bot import flows, handlers

        flows.load_all()
        handlers.register()
