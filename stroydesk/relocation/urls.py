"""URLs of the relocation service, mounted at /relocation/."""

from django.urls import path

from stroydesk.relocation import views, views_dispatch

app_name = "relocation"

urlpatterns = [
    path("", views.home, name="home"),
    path("bind/", views.bind, name="bind"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/reschedule/", views.order_reschedule, name="order_reschedule"),
    path("orders/<int:pk>/ask/", views.order_ask, name="order_ask"),
    path("dispatch/", views_dispatch.plan, name="plan"),
    path(
        "dispatch/orders/<int:pk>/<str:action>/",
        views_dispatch.order_action,
        name="order_action",
    ),
    path("dispatch/heatmap/", views_dispatch.heatmap, name="heatmap"),
    path("dispatch/route/<int:crew>/<str:day>.pdf", views_dispatch.route_sheet, name="route_sheet"),
    path("dispatch/import/", views_dispatch.import_list, name="import"),
    path("stats/", views_dispatch.stats, name="stats"),
]
