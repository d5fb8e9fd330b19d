"""Pages of the cash app (mounted at /cash/)."""

from django.urls import path

from . import views

app_name = "cash"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("desk/", views.desk, name="desk"),
    path("treasury/", views.treasury, name="treasury"),
]
