from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from accounts.signals import user_signed_up

        from .hooks import on_user_signed_up

        user_signed_up.connect(on_user_signed_up, dispatch_uid="notifications.welcome")
