from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import dashboard, demo, navigation


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .dashboard import kyc_cards
        from .demo import demo_lines

        navigation.register("compliance:queue", _("KYC reviews"), kinds={"compliance"}, order=20)
        dashboard.register("compliance", kyc_cards, order=10)
        # After accounts (10): the demo investor exists by then.
        demo.register("compliance", demo_lines, order=20)
