"""API of the compliance app (mounted at /api/compliance/)."""

from django.urls import path

from . import api

app_name = "compliance-api"

urlpatterns = [
    path("kyc/submit/", api.KycSubmitApi.as_view(), name="kyc-submit"),
    path("reviews/", api.ReviewListApi.as_view(), name="reviews"),
    path("reviews/<int:pk>/", api.ReviewDetailApi.as_view(), name="review"),
    path("reviews/<int:pk>/approve/", api.ReviewApproveApi.as_view(), name="review-approve"),
    path("reviews/<int:pk>/reject/", api.ReviewRejectApi.as_view(), name="review-reject"),
    path("reviews/<int:pk>/request-info/", api.ReviewRequestInfoApi.as_view(), name="review-request-info"),
    path("reviews/<int:pk>/clear-sanctions/", api.ReviewClearSanctionsApi.as_view(), name="review-clear-sanctions"),
]
