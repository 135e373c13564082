from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "concord.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        # The alert, feedback and tension messages register their renderers on import, in
        # every process (the worker renders them whichever job queued them).
        from concord.incidents import messages, tension  # noqa: F401
