"""Pages of the issuance app (mounted at /issuance/)."""

from django.urls import path  # noqa: F401

app_name = "issuance"

urlpatterns: list = []
