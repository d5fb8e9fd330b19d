from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import navigation


class InvestorsConfig(AppConfig):
    name = "investors"

    def ready(self) -> None:
        navigation.register("investors:profile", _("My KYC"), kinds={"investor"}, order=20)
        navigation.register("investors:wallets", _("Wallets"), kinds={"investor"}, order=21)
