from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import LogoutAllApi, LogoutApi, MeApi, TokenApi
from core.views import healthz
from issuance.views_home import home as public_home

api_patterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("auth/logout/", LogoutApi.as_view(), name="logout"),
    path("auth/logout-all/", LogoutAllApi.as_view(), name="logout-all"),
]

urlpatterns = [
    path("", public_home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("api/", include((api_patterns, "api"))),
    path("notifications/", include("notifications.urls")),
    path("investors/", include("investors.urls")),
    path("compliance/", include("compliance.urls")),
    path("issuance/", include("issuance.urls")),
    path("ledger/", include("ledger.urls")),
    path("cash/", include("cash.urls")),
    path("servicing/", include("servicing.urls")),
    path("chain/", include("chain.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("api/accounts/", include("accounts.api_urls")),
    path("api/investors/", include("investors.api_urls")),
    path("api/compliance/", include("compliance.api_urls")),
    path("api/issuance/", include("issuance.api_urls")),
    path("api/ledger/", include("ledger.api_urls")),
    path("api/cash/", include("cash.api_urls")),
    path("api/servicing/", include("servicing.api_urls")),
    path("api/chain/", include("chain.api_urls")),
    path("api/webhooks/", include("webhooks.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
handler404 = "core.api.api_not_found"  # /api/ URLs that match nothing answer with the error body
