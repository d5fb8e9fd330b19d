"""Pages of the ledger app (mounted at /ledger/)."""

from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_home, name="home"),
    path("securities/<int:pk>/", views.cap_table, name="cap-table"),
    path("securities/<int:pk>/cap-table.csv", views.cap_table_csv, name="cap-table-csv"),
    path("securities/<int:pk>/settle/", views.subscriptions_settle, name="settle-bulk"),
    path("securities/<int:pk>/<str:op>/", views.control, name="control"),
    path("subscriptions/<int:pk>/settle/", views.subscription_settle, name="settle"),
    path("holdings/", views.holdings, name="holdings"),
    path("holdings/<int:pk>/transfer/", views.transfer_request, name="transfer"),
    path("requests/", views.requests_desk, name="requests"),
    path("requests/<int:pk>/<str:decision>/", views.request_decide, name="request-decide"),
]
