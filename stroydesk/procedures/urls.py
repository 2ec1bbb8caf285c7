"""URLs of the procedures calculator, mounted at /procedures/."""

from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("plan.<str:fmt>", views.export, name="export"),
    path("compare/", views.compare, name="compare"),
    path("save/", views.save, name="save"),
    path("saved/", views.saved_list, name="saved_list"),
    path("saved/<int:pk>/", views.saved_detail, name="saved"),
    path("saved/<int:pk>/plan.<str:fmt>", views.saved_export, name="saved_export"),
    path("saved/<int:pk>/ask/", views.ask, name="ask"),
    path("for-request/<int:request_id>/", views.for_request, name="for_request"),
]
