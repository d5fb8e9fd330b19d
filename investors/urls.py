"""Pages of the investors app (mounted at /investors/)."""

from django.urls import path  # noqa: F401

app_name = "investors"

urlpatterns: list = []
