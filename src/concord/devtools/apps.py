from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development tools (fake chat servers and the like); added to INSTALLED_APPS only
    outside production."""

    name = "concord.devtools"
    label = "devtools"
    verbose_name = "Development tools"
