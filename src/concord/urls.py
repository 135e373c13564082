from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("concord.core.urls")),
    path("accounts/", include("concord.accounts.urls")),
    path("directory/", include("concord.directory.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
