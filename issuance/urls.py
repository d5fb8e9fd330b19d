"""Pages of the issuance app (mounted at /issuance/)."""

from django.urls import path

from . import views

app_name = "issuance"

urlpatterns = [
    path("", views.issuer_home, name="home"),
    path("apply/", views.issuer_apply, name="issuer-apply"),
    path("apply/documents/", views.issuer_document_add, name="issuer-document-add"),
    path("apply/submit/", views.issuer_submit, name="issuer-submit"),
    path("members/", views.members, name="members"),
    path("members/<int:pk>/role/", views.member_role_change, name="member-role"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("review/", views.issuer_review_list, name="issuer-review-list"),
    path("review/<int:pk>/", views.issuer_review, name="issuer-review"),
    path("issuer-documents/<int:pk>/", views.issuer_document, name="issuer-document"),
    path("securities/new/", views.security_create, name="security-create"),
    path("securities/<int:pk>/", views.security_detail, name="security"),
    path("securities/<int:security_pk>/offerings/new/", views.offering_create, name="offering-create"),
    path("offerings/<int:pk>/", views.offering_detail, name="offering"),
    path("offerings/<int:pk>/edit/", views.offering_edit, name="offering-edit"),
    path("offerings/<int:pk>/documents/", views.offering_document_add, name="offering-document-add"),
    path("offerings/<int:pk>/subscriptions/bulk/", views.subscriptions_bulk, name="subscriptions-bulk"),
    path("offerings/<int:pk>/<str:action>/", views.offering_action, name="offering-action"),
    path("subscriptions/<int:pk>/<str:action>/", views.subscription_action, name="subscription-action"),
    path("documents/<int:pk>/", views.offering_document, name="offering-document"),
    path("market/", views.market, name="market"),
    path("market/<int:pk>/", views.market_offering, name="market-offering"),
    path("my-subscriptions/", views.my_subscriptions, name="my-subscriptions"),
    path("my-subscriptions/<int:pk>/", views.my_subscription, name="my-subscription"),
]
