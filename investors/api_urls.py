"""API of the investors app (mounted at /api/investors/)."""

from django.urls import path

from . import api

app_name = "investors-api"

urlpatterns = [
    path("profile/", api.ProfileApi.as_view(), name="profile"),
    path("documents/", api.DocumentListApi.as_view(), name="documents"),
    path("documents/<int:pk>/", api.DocumentDownloadApi.as_view(), name="document"),
    path("wallets/", api.WalletListApi.as_view(), name="wallets"),
    path("wallets/challenge/", api.WalletChallengeApi.as_view(), name="wallet-challenge"),
    path("wallets/verify/", api.WalletVerifyApi.as_view(), name="wallet-verify"),
    path("wallets/custody/", api.CustodyWalletApi.as_view(), name="wallet-custody"),
    path("wallets/<int:pk>/", api.WalletRemoveApi.as_view(), name="wallet"),
]
