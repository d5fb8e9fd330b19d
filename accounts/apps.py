from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import demo, navigation

ALL_KINDS = {"investor", "issuer_admin", "issuer_member", "compliance", "operator"}


class AccountsConfig(AppConfig):
    name = "accounts"

    def import_models(self) -> None:
        """accounts.models, then the API token and session models of accounts/credentials.py
        (registered in this app too)."""
        super().import_models()
        import_module(f"{self.name}.credentials")

    def ready(self) -> None:
        # these import this app's models: only once the app registry is ready
        from . import sessions
        from .demo import demo_lines

        sessions.connect_signals()
        demo.register("accounts", demo_lines, order=10)

        navigation.register("accounts:dashboard", _("Dashboard"), kinds=ALL_KINDS, order=0)
        navigation.register("accounts:staff", _("Staff"), kinds={"operator"}, order=85)
        navigation.register("api-docs", _("API"), kinds={"operator"}, order=90)

