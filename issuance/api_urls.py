"""API of the issuance app (mounted at /api/issuance/)."""

from django.urls import path

from . import api, api_invitations, api_schedule

app_name = "issuance-api"

urlpatterns = [
    path("issuers/<int:pk>/<str:decision>/", api.IssuerDecisionApi.as_view(), name="issuer-decision"),
    path("invitations/", api_invitations.InvitationListApi.as_view(), name="invitations"),
    path("invitations/<int:pk>/revoke/", api_invitations.InvitationRevokeApi.as_view(), name="invitation-revoke"),
    path("securities/", api.SecurityListApi.as_view(), name="securities"),
    path("securities/<int:pk>/schedule/", api_schedule.SecurityScheduleApi.as_view(), name="security-schedule"),
    path("offerings/", api.OfferingListApi.as_view(), name="offerings"),
    path("offerings/<int:pk>/", api.OfferingDetailApi.as_view(), name="offering"),
    path("offerings/<int:pk>/documents/", api.OfferingDocumentApi.as_view(), name="offering-documents"),
    path("offerings/<int:pk>/subscriptions/", api.OfferingSubscriptionsApi.as_view(), name="offering-subscriptions"),
    path("offerings/<int:pk>/subscriptions/bulk/", api.SubscriptionsBulkApi.as_view(), name="subscriptions-bulk"),
    path("offerings/<int:pk>/<str:action>/", api.OfferingActionApi.as_view(), name="offering-action"),
    path("subscriptions/<int:pk>/<str:action>/", api.SubscriptionActionApi.as_view(), name="subscription-action"),
    path("market/", api.MarketApi.as_view(), name="market"),
    path("market/<int:pk>/subscribe/", api.SubscribeApi.as_view(), name="subscribe"),
    path("my-subscriptions/", api.MySubscriptionsApi.as_view(), name="my-subscriptions"),
    path("my-subscriptions/<int:pk>/accept-agreement/", api.AgreementAcceptApi.as_view(), name="accept-agreement"),
]
