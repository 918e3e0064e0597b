from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("deregistration.portal.urls")),
    path("", include("deregistration.urls")),
]

# Under /api/ an unknown address or a server error answers JSON like the rest of the API; elsewhere, pages.
handler404 = "deregistration.api.views.page_not_found"
handler500 = "deregistration.api.views.server_error"
