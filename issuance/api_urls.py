"""API of the issuance app (mounted at /api/issuance/)."""

from django.urls import path  # noqa: F401

app_name = "issuance-api"

urlpatterns: list = []
