from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "stroydesk.web"
    label = "web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from stroydesk.web.staff_session import on_login

        user_logged_in.connect(on_login, dispatch_uid="stroydesk.web.staff_session")
