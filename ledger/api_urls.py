"""API of the ledger app (mounted at /api/ledger/)."""

from django.urls import path

from . import api

app_name = "ledger-api"

urlpatterns = [
    path("securities/<int:pk>/cap-table/", api.CapTableApi.as_view(), name="cap-table"),
    path("securities/<int:pk>/actions/", api.ActionsApi.as_view(), name="actions"),
    path("securities/<int:pk>/<str:op>/", api.ControlApi.as_view(), name="control"),
    path("settle/", api.SettleApi.as_view(), name="settle"),
    path("holdings/", api.HoldingsApi.as_view(), name="holdings"),
    path("holdings/<int:pk>/transfer/", api.TransferRequestApi.as_view(), name="transfer"),
    path("history/", api.HistoryApi.as_view(), name="history"),
    path("requests/", api.ComplianceRequestsApi.as_view(), name="requests"),
    path("requests/<int:pk>/<str:decision>/", api.ComplianceDecisionApi.as_view(), name="request-decide"),
]
