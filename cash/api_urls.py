"""API of the cash app (mounted at /api/cash/)."""

from django.urls import path

from . import api

app_name = "cash-api"

urlpatterns = [
    path("balances/", api.BalancesApi.as_view(), name="balances"),
    path("deposits/", api.DepositListApi.as_view(), name="deposits"),
    path("deposits/<int:pk>/", api.DepositDetailApi.as_view(), name="deposit"),
    path("deposits/<int:pk>/receipt/", api.DepositReceiptApi.as_view(), name="deposit-receipt"),
    path("deposits/<int:pk>/approve/", api.DepositApproveApi.as_view(), name="deposit-approve"),
    path("deposits/<int:pk>/cancel/", api.DepositCancelApi.as_view(), name="deposit-cancel"),
    path("withdrawals/", api.WithdrawalListApi.as_view(), name="withdrawals"),
    path("withdrawals/<int:pk>/paid/", api.WithdrawalPaidApi.as_view(), name="withdrawal-paid"),
    path("trust/", api.TrustApi.as_view(), name="trust"),
    path("treasury/deposits/", api.TreasuryDepositApi.as_view(), name="treasury-deposits"),
    path("treasury/withdrawals/", api.TreasuryWithdrawalApi.as_view(), name="treasury-withdrawals"),
]
