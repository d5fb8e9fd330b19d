from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import dashboard, demo, navigation


class IssuanceConfig(AppConfig):
    name = "issuance"

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from .dashboard import issuer_applications_card, issuer_offerings
        from .demo import demo_lines

        navigation.register("issuance:home", _("Issuance"), kinds={"issuer_admin", "issuer_member"}, order=20)
        navigation.register("issuance:issuer-review-list", _("Issuer applications"), kinds={"compliance"}, order=40)
        navigation.register("issuance:market", _("Offerings"), kinds={"investor"}, order=30)
        navigation.register("issuance:my-subscriptions", _("My subscriptions"), kinds={"investor"}, order=35)
        dashboard.register("compliance", issuer_applications_card, order=20)
        dashboard.register("issuer_admin", issuer_offerings, order=10)
        dashboard.register("issuer_member", issuer_offerings, order=10)
        demo.register("issuance", demo_lines, order=50)
