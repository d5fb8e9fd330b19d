"""Pages of the ledger app (mounted at /ledger/)."""

from django.urls import path  # noqa: F401

app_name = "ledger"

urlpatterns: list = []
