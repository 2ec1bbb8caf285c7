"""Open311 GeoReport v2 URLs, mounted at /open311/v2/; the extension picks JSON or XML."""

from django.urls import re_path

from stroydesk.channels import views_open311 as views

urlpatterns = [
    re_path(r"^discovery\.(?P<fmt>json|xml)$", views.discovery, name="open311-discovery"),
    re_path(r"^services\.(?P<fmt>json|xml)$", views.services, name="open311-services"),
    re_path(
        r"^services/(?P<code>[-\w]+)\.(?P<fmt>json|xml)$",
        views.service_definition,
        name="open311-service",
    ),
    re_path(r"^requests\.(?P<fmt>json|xml)$", views.requests, name="open311-requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)\.(?P<fmt>json|xml)$",
        views.request_detail,
        name="open311-request",
    ),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
