"""API of the investors app (mounted at /api/investors/)."""

from django.urls import path  # noqa: F401

app_name = "investors-api"

urlpatterns: list = []
