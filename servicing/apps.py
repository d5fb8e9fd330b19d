from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import dashboard, demo, navigation


class ServicingConfig(AppConfig):
    """The paying agent: coupons, redemptions, dividends and distributions (servicing/models.py)."""

    name = "servicing"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .dashboard import corporate_actions_card, investor_home
        from .demo import demo_lines

        demo.register("servicing", demo_lines, order=65)
        dashboard.register("investor", investor_home, order=10)
        dashboard.register("compliance", corporate_actions_card, order=50)
        navigation.register("servicing:income", _("Income"), kinds={"investor"}, order=38)
        navigation.register("servicing:desk", _("Corporate actions"), kinds={"compliance", "cash_agent", "operator"},
                            order=25)
