"""API of the paying agent (being built: see servicing/api_urls.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import ApiView


class _Stub(ApiView):
    @extend_schema(responses={200: None})
    def get(self, request, pk: int):
        return Response(status=404)


SecurityActionsApi = ActionDetailApi = ActionLinesApi = ActionPaymentFileApi = _Stub
ActionApproveApi = ActionCancelApi = ActionPayApi = ActionMarkPaidApi = _Stub
