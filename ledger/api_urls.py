"""API of the ledger app (mounted at /api/ledger/): one view per operation."""

from django.urls import path

from . import api

app_name = "ledger-api"

urlpatterns = [
    path("securities/<int:pk>/cap-table/", api.CapTableApi.as_view(), name="cap-table"),
    path("securities/<int:pk>/actions/", api.ActionsApi.as_view(), name="actions"),
    path("securities/<int:pk>/issue/", api.IssueApi.as_view(), name="issue"),
    path("securities/<int:pk>/transfer/", api.TransferApi.as_view(), name="transfer-tokens"),
    path("securities/<int:pk>/redeem/", api.RedeemApi.as_view(), name="redeem"),
    path("securities/<int:pk>/freeze_tokens/", api.FreezeTokensApi.as_view(), name="freeze-tokens"),
    path("securities/<int:pk>/unfreeze_tokens/", api.UnfreezeTokensApi.as_view(), name="unfreeze-tokens"),
    path("securities/<int:pk>/freeze_wallet/", api.FreezeWalletApi.as_view(), name="freeze-wallet"),
    path("securities/<int:pk>/unfreeze_wallet/", api.UnfreezeWalletApi.as_view(), name="unfreeze-wallet"),
    path("securities/<int:pk>/pause/", api.PauseApi.as_view(), name="pause"),
    path("securities/<int:pk>/unpause/", api.UnpauseApi.as_view(), name="unpause"),
    path("settle/", api.SettleApi.as_view(), name="settle"),
    path("holdings/", api.HoldingsApi.as_view(), name="holdings"),
    path("holdings/<int:pk>/transfer/", api.TransferRequestApi.as_view(), name="transfer"),
    path("history/", api.HistoryApi.as_view(), name="history"),
    path("requests/", api.ComplianceRequestsApi.as_view(), name="requests"),
    path("requests/<int:pk>/approve/", api.ComplianceApproveApi.as_view(), name="request-approve"),
    path("requests/<int:pk>/reject/", api.ComplianceRejectApi.as_view(), name="request-reject"),
]
