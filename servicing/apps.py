from django.apps import AppConfig


class ServicingConfig(AppConfig):
    """The paying agent: coupons, redemptions, dividends and distributions (servicing/models.py)."""

    name = "servicing"
