from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from core import navigation

        navigation.register("webhooks:home", _("Webhooks"), kinds={"issuer_admin", "operator"}, order=80)
