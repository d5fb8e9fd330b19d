"""Pages of the servicing app (mounted at /servicing/)."""

from django.urls import path

from . import views

app_name = "servicing"

urlpatterns = [
    path("securities/<int:pk>/", views.security_actions, name="security"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/lines.csv", views.action_lines_csv, name="action-lines-csv"),
    path("actions/<int:pk>/payment-file.csv", views.action_payment_file, name="action-payment-file"),
    path("desk/", views.desk, name="desk"),
]
