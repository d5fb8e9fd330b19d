from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import demo, navigation


class CashConfig(AppConfig):
    name = "cash"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .demo import demo_lines

        navigation.register("cash:desk", _("Cash desk"), kinds={"cash_agent"}, order=20)
        navigation.register("cash:mine", _("Cash"), kinds={"investor"}, order=37)
        navigation.register("cash:treasury", _("Treasury"), kinds={"issuer_admin"}, order=27)
        demo.register("cash", demo_lines, order=55)
