from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "stroydesk.api"
    label = "api"
