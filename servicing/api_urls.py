"""API of the servicing app (mounted at /api/servicing/)."""

from django.urls import path

from . import api, api_investor

app_name = "servicing-api"

urlpatterns = [
    path("securities/<int:pk>/actions/", api.SecurityActionsApi.as_view(), name="security-actions"),
    path("actions/<int:pk>/", api.ActionDetailApi.as_view(), name="action"),
    path("actions/<int:pk>/lines/", api.ActionLinesApi.as_view(), name="action-lines"),
    path("actions/<int:pk>/approve/", api.ActionApproveApi.as_view(), name="action-approve"),
    path("actions/<int:pk>/cancel/", api.ActionCancelApi.as_view(), name="action-cancel"),
    path("actions/<int:pk>/pay/", api.ActionPayApi.as_view(), name="action-pay"),
    path("actions/<int:pk>/mark-paid/", api.ActionMarkPaidApi.as_view(), name="action-mark-paid"),
    path("actions/<int:pk>/payment-file/", api.ActionPaymentFileApi.as_view(), name="action-payment-file"),
    path("income/", api_investor.IncomeApi.as_view(), name="income"),
    path("income/tax/<int:year>/", api_investor.TaxStatementApi.as_view(), name="income-tax"),
]
