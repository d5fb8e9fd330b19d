"""API of the chain app (mounted at /api/chain/)."""

from django.urls import path  # noqa: F401

app_name = "chain-api"

urlpatterns: list = []
