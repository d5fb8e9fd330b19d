"""Pages of the compliance app (mounted at /compliance/)."""

from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("kyc/submit/", views.kyc_submit, name="kyc-submit"),
    path("reviews/", views.queue, name="queue"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/tax-profile/", views.review_tax_profile, name="review-tax-profile"),
]
