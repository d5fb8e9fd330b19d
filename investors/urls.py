"""Pages of the investors app (mounted at /investors/)."""

from django.urls import path

from . import views

app_name = "investors"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("documents/", views.document_upload, name="document-upload"),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
    path("wallets/", views.wallets, name="wallets"),
    path("wallets/challenge/", views.wallet_challenge, name="wallet-challenge"),
    path("wallets/verify/", views.wallet_verify, name="wallet-verify"),
    path("wallets/custody/", views.custody_wallet_create, name="wallet-custody"),
    path("wallets/<int:pk>/remove/", views.wallet_remove, name="wallet-remove"),
]
