"""Web URLs of routing, mounted at /routing/."""

from django.urls import path

from stroydesk.routing import views

app_name = "routing"

urlpatterns = [
    path("requests/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("stats/", views.stats, name="stats"),
]
