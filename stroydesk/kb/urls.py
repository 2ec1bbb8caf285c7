"""URLs of the knowledge base, mounted at /kb/. Fixed paths come before the article slug."""

from django.urls import path

from stroydesk.kb import views

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("editor/misses/", views.misses, name="misses"),
    path("<slug:slug>/", views.article_detail, name="article"),
    path("<slug:slug>/feedback/", views.article_feedback, name="feedback"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/history/<int:number>/restore/", views.restore, name="restore"),
]
