from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChainConfig(AppConfig):
    name = "chain"

    def ready(self) -> None:
        from django.core.checks import register

        from core import dashboard, health, navigation

        from .checks import signer_lanes_check
        from .dashboard import breaks_card
        from .health import chain_check

        health.register("chain", chain_check)
        register(signer_lanes_check)
        dashboard.register("compliance", breaks_card, order=30)
        navigation.register("chain:mirror", _("Chain mirror"), kinds={"operator"}, order=30)
        navigation.register("chain:breaks", _("Breaks"), kinds={"operator", "compliance"}, order=31)
