from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "stroydesk.demo"
    label = "demo"
