"""Web pages of consultations, mounted at /consultations/."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import User
from stroydesk.consultations import views

app_name = "consultations"

R = User.Role
# Menu entries for the portal's navigation: (url name, label, roles).
NAV_ITEMS = [
    ("consultations:book", _("Consultations"), frozenset({R.APPLICANT})),
    ("consultations:agenda", _("Consultations"), frozenset({R.OPERATOR})),
]

urlpatterns = [
    path("", views.book, name="book"),
    path("book/", views.confirm, name="confirm"),
    path("mine/", views.mine, name="mine"),
    path("agenda/", views.agenda, name="agenda"),
    path("stats/", views.rates, name="rates"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
    path("manage/<str:token>/", views.manage, name="manage"),
]
