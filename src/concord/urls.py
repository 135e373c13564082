from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("concord.core.urls")),
    path("accounts/", include("concord.accounts.urls")),
    path("directory/", include("concord.directory.urls")),
    path("programme/", include("concord.programme.urls")),
    path("hooks/", include("concord.messaging.urls")),
    path("bot/", include("concord.bot.urls")),
    path("incidents/", include("concord.incidents.urls")),
    path("broadcasts/", include("concord.messaging.urls_broadcasts")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
