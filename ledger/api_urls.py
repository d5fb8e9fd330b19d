"""API of the ledger app (mounted at /api/ledger/)."""

from django.urls import path  # noqa: F401

app_name = "ledger-api"

urlpatterns: list = []
