"""Pages of the chain app (mounted at /chain/)."""

from django.urls import path  # noqa: F401

app_name = "chain"

urlpatterns: list = []
