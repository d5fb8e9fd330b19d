from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import demo, navigation


class ServicingConfig(AppConfig):
    """The paying agent: coupons, redemptions, dividends and distributions (servicing/models.py)."""

    name = "servicing"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .demo import demo_lines

        demo.register("servicing", demo_lines, order=65)
        navigation.register("servicing:income", _("Income"), kinds={"investor"}, order=38)
        navigation.register("servicing:desk", _("Corporate actions"), kinds={"compliance", "cash_agent", "operator"},
                            order=25)
