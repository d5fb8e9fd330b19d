"""Pages of the servicing app (mounted at /servicing/)."""

from django.urls import path

from . import views, views_desk, views_investor

app_name = "servicing"

urlpatterns = [
    path("securities/<int:pk>/", views.security_actions, name="security"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/lines.csv", views.action_lines_csv, name="action-lines-csv"),
    path("actions/<int:pk>/payment-file.csv", views.action_payment_file, name="action-payment-file"),
    path("desk/", views_desk.desk, name="desk"),
    path("income/", views_investor.income_page, name="income"),
    path("income/tax/<int:year>/", views_investor.tax_statement_page, name="income-tax"),
    path("income/tax/<int:year>/statement.csv", views_investor.tax_statement_csv, name="income-tax-csv"),
]
