"""API of the webhooks app (mounted at /api/webhooks/)."""

from django.urls import path

from . import api

app_name = "webhooks-api"

urlpatterns = [
    path("endpoints/", api.EndpointListApi.as_view(), name="endpoints"),
    path("endpoints/<int:pk>/", api.EndpointDetailApi.as_view(), name="endpoint"),
    path("endpoints/<int:pk>/rotate/", api.EndpointRotateApi.as_view(), name="endpoint-rotate"),
    path("endpoints/<int:pk>/disable/", api.EndpointDisableApi.as_view(), name="endpoint-disable"),
    path("endpoints/<int:pk>/enable/", api.EndpointEnableApi.as_view(), name="endpoint-enable"),
    path("endpoints/<int:pk>/deliveries/", api.DeliveryListApi.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/", api.DeliveryDetailApi.as_view(), name="delivery"),
    path("deliveries/<int:pk>/replay/", api.DeliveryReplayApi.as_view(), name="delivery-replay"),
]
