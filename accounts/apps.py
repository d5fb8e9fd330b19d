from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ALL_KINDS = {"investor", "issuer_admin", "issuer_member", "compliance", "operator"}


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from core import demo, navigation

        from .demo import demo_lines

        demo.register("accounts", demo_lines, order=10)

        navigation.register("accounts:dashboard", _("Dashboard"), kinds=ALL_KINDS, order=0)
        navigation.register("api-docs", _("API"), kinds={"operator"}, order=90)
