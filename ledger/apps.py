from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import dashboard, demo, navigation


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .dashboard import forced_transfers_card
        from .demo import demo_lines

        navigation.register("ledger:home", _("Register"),
                            kinds={"issuer_admin", "issuer_member", "compliance", "operator"}, order=25)
        navigation.register("ledger:holdings", _("My holdings"), kinds={"investor"}, order=36)
        navigation.register("ledger:boards", _("Trading board"), kinds={"investor"}, order=37)
        navigation.register("ledger:requests", _("Forced transfers"), kinds={"compliance"}, order=45)
        dashboard.register("compliance", forced_transfers_card, order=40)
        demo.register("ledger", demo_lines, order=60)
