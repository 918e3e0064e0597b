"""``/api/v1/``: the deregistration API, its OpenAPI schema and its documentation (assets served locally)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("deregistration.api.urls")),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    # The split view serves its start-up script as a file: the page needs no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
