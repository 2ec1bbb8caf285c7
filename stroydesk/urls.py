"""The project's URL map: admin, the REST API and its documentation."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from stroydesk.ops.errors import page_not_found, server_error
from stroydesk.ops.health import healthz, readyz
from stroydesk.ops.metrics import metrics_view


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("img/favicon.ico"), permanent=True)


# Unexpected failures under /api/ answer the API's JSON error shape with the request id.
handler404 = page_not_found
handler500 = server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin, the API docs).
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("stroydesk.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("stroydesk.channels.urls_open311")),
    path("kb/", include("stroydesk.kb.urls")),
    path("stats/", include("stroydesk.stats.urls")),
    path("relocation/", include("stroydesk.relocation.urls")),
    path("routing/", include("stroydesk.routing.urls")),
    path("consultations/", include("stroydesk.consultations.urls")),
    path("procedures/", include("stroydesk.procedures.urls")),
    path("", include("stroydesk.portal.urls")),
]
