"""Pages of the chain app (mounted at /chain/)."""

from django.urls import path

from . import status, views

app_name = "chain"

urlpatterns = [
    path("status/", status.chain_status, name="status"),
    path("mirror/", views.mirror, name="mirror"),
    path("mirror/status/", views.mirror_status, name="mirror-status"),
    path("outbox/<int:pk>/retry/", views.outbox_retry, name="outbox-retry"),
    path("breaks/", views.breaks, name="breaks"),
    path("breaks/<int:pk>/resolve/", views.break_resolve, name="break-resolve"),
    path("reconcile/", views.reconcile, name="reconcile"),
]
