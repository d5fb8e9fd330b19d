from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
