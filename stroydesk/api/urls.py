"""The REST API v1 URL map; each app keeps its serializers and views in its own ``api.py``."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from stroydesk.api.auth import TokenList, TokenRevoke, TokenSignIn
from stroydesk.api.requests import RequestViewSet
from stroydesk.directory.api import AuthorityViewSet, TopicViewSet

# No ".json" suffix routes: the API answers JSON only, and its views take no format argument
# (a suffix URL answered 500).
router = DefaultRouter()
router.include_format_suffixes = False
router.register("requests", RequestViewSet, basename="request")
router.register("authorities", AuthorityViewSet, basename="authority")
router.register("topics", TopicViewSet, basename="topic")

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", TokenSignIn.as_view(), name="api-token"),
    path("auth/tokens/", TokenList.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", TokenRevoke.as_view(), name="api-token-revoke"),
    path("workdays/", include("stroydesk.workcalendar.api")),
    path("stats/", include("stroydesk.stats.api")),
    path("kb/", include("stroydesk.kb.api")),
    path("relocation/", include("stroydesk.relocation.api")),
    path("routing/", include("stroydesk.routing.api")),
    path("consultations/", include("stroydesk.consultations.api")),
    path("procedures/", include("stroydesk.procedures.api")),
]
