"""API of the ledger app (mounted at /api/ledger/): one view per operation."""

from django.urls import path

from core.db import replica_reads_view

from .api import board, compliance, exports, holdings, register

app_name = "ledger-api"

urlpatterns = [
    # Reads that may lag come from the read replica when there is one (core.db.replica_reads_view).
    path("securities/<int:pk>/cap-table/", replica_reads_view(register.CapTableApi.as_view()), name="cap-table"),
    path("securities/<int:pk>/actions/", register.ActionsApi.as_view(), name="actions"),
    path("securities/<int:pk>/exports/<str:export_format>/", exports.SecurityExportApi.as_view(),
         name="security-export"),
    path("issuers/<int:pk>/exports/<str:export_format>/", exports.IssuerExportApi.as_view(), name="issuer-export"),
    path("securities/<int:pk>/issue/", register.IssueApi.as_view(), name="issue"),
    path("securities/<int:pk>/transfer/", register.TransferApi.as_view(), name="transfer-tokens"),
    path("securities/<int:pk>/redeem/", register.RedeemApi.as_view(), name="redeem"),
    path("securities/<int:pk>/freeze_tokens/", register.FreezeTokensApi.as_view(), name="freeze-tokens"),
    path("securities/<int:pk>/unfreeze_tokens/", register.UnfreezeTokensApi.as_view(), name="unfreeze-tokens"),
    path("securities/<int:pk>/freeze_wallet/", register.FreezeWalletApi.as_view(), name="freeze-wallet"),
    path("securities/<int:pk>/unfreeze_wallet/", register.UnfreezeWalletApi.as_view(), name="unfreeze-wallet"),
    path("securities/<int:pk>/pause/", register.PauseApi.as_view(), name="pause"),
    path("securities/<int:pk>/unpause/", register.UnpauseApi.as_view(), name="unpause"),
    path("settle/", register.SettleApi.as_view(), name="settle"),
    path("holdings/", replica_reads_view(holdings.HoldingsApi.as_view()), name="holdings"),
    path("holdings/<int:pk>/transfer/", holdings.TransferRequestApi.as_view(), name="transfer"),
    path("history/", replica_reads_view(holdings.HistoryApi.as_view()), name="history"),
    path("requests/", compliance.ComplianceRequestsApi.as_view(), name="requests"),
    path("requests/<int:pk>/approve/", compliance.ComplianceApproveApi.as_view(), name="request-approve"),
    path("requests/<int:pk>/reject/", compliance.ComplianceRejectApi.as_view(), name="request-reject"),
    path("securities/<int:pk>/board/", board.BoardApi.as_view(), name="board"),
    path("offers/", board.MyOffersApi.as_view(), name="offers"),
    path("offers/<int:pk>/", board.OfferApi.as_view(), name="offer"),
    path("offers/<int:pk>/cancel/", board.OfferCancelApi.as_view(), name="offer-cancel"),
    path("offers/<int:pk>/precheck/", board.OfferPrecheckApi.as_view(), name="offer-precheck"),
    path("offers/<int:pk>/accept/", board.OfferAcceptApi.as_view(), name="offer-accept"),
    path("settlements/", board.MySettlementsApi.as_view(), name="settlements"),
    path("settlements/<int:pk>/", board.SettlementApi.as_view(), name="settlement"),
    path("settlements/<int:pk>/authorize/", board.SettlementAuthorizeApi.as_view(), name="settlement-authorize"),
    path("settlements/<int:pk>/authorize-custodied/", board.SettlementAuthorizeCustodiedApi.as_view(),
         name="settlement-authorize-custodied"),
    path("subscriptions/<int:pk>/pay/", board.SubscriptionPayApi.as_view(), name="subscription-pay"),
]
