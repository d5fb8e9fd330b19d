"""API of the chain app (mounted at /api/chain/)."""

from django.urls import path

from . import api

app_name = "chain-api"

urlpatterns = [
    path("mirror/", api.MirrorStatusApi.as_view(), name="mirror"),
    path("outbox/<int:pk>/retry/", api.OutboxRetryApi.as_view(), name="outbox-retry"),
    path("breaks/", api.BreakListApi.as_view(), name="breaks"),
    path("breaks/<int:pk>/resolve/", api.BreakResolveApi.as_view(), name="break-resolve"),
    path("reconciliations/", api.ReconcileApi.as_view(), name="reconcile"),
]
