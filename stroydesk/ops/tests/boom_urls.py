"""The project's URLs with two views that fail unexpectedly, one in the API and one outside."""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from stroydesk.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request):
    raise RuntimeError("an unexpected failure")


def page_boom(request):
    raise RuntimeError("an unexpected failure")


urlpatterns = [
    path("api/v1/boom/", api_boom),
    path("boom/", page_boom),
    *urlpatterns,
]
