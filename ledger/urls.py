"""Pages of the ledger app (mounted at /ledger/)."""

from django.urls import path

from core.db import replica_reads_view

from . import views, views_exports, views_trading

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_home, name="home"),
    # Reads that may lag come from the read replica when there is one (core.db.replica_reads_view).
    path("securities/<int:pk>/", replica_reads_view(views.cap_table), name="cap-table"),
    path("securities/<int:pk>/cap-table.csv", replica_reads_view(views.cap_table_csv), name="cap-table-csv"),
    path("issuers/<int:pk>/export/<str:export_format>/", views_exports.issuer_export, name="issuer-export"),
    path("securities/<int:pk>/settle/", views.subscriptions_settle, name="settle-bulk"),
    path("securities/<int:pk>/board/", views_trading.board, name="board"),
    path("securities/<int:pk>/<str:op>/", views.control, name="control"),
    path("subscriptions/<int:pk>/settle/", views.subscription_settle, name="settle"),
    path("holdings/", replica_reads_view(views.holdings), name="holdings"),
    path("holdings/<int:pk>/transfer/", views.transfer_request, name="transfer"),
    path("board/", views_trading.boards, name="boards"),
    path("offers/<int:pk>/", views_trading.offer, name="offer"),
    path("offers/<int:pk>/cancel/", views_trading.offer_cancel, name="offer-cancel"),
    path("settlements/<int:pk>/", views_trading.settlement, name="settlement"),
    path("settlements/<int:pk>/confirm/", views_trading.settlement_confirm, name="settlement-confirm"),
    path("subscriptions/<int:pk>/pay/", views_trading.subscription_pay, name="subscription-pay"),
    path("requests/", views.requests_desk, name="requests"),
    path("requests/<int:pk>/<str:decision>/", views.request_decide, name="request-decide"),
]
