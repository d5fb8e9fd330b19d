"""API of the compliance app (mounted at /api/compliance/)."""

from django.urls import path  # noqa: F401

app_name = "compliance-api"

urlpatterns: list = []
