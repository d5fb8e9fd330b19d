"""Webhook pages (mounted at /webhooks/)."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.home, name="home"),
    path("endpoints/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("endpoints/<int:pk>/step/", views.endpoint_step, name="endpoint-step"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
]
