"""URLs of the stats app, mounted at /stats/."""

from django.urls import path, re_path

from stroydesk.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.json", views.dashboard_json, name="dashboard_json"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export_report, name="export"),
    re_path(r"^yearly\.(?P<fmt>csv|xlsx)$", views.export_yearly, name="export_yearly"),
]
