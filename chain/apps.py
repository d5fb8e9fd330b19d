from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "chain"

    def ready(self) -> None:
        from core import health

        from .health import chain_check

        health.register("chain", chain_check)
