"""An investor's side of the register: holdings (with what is transferable now and why not
more), history, and transfer requests from a holding."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api_schema import error_responses

from .. import selectors, services
from .base import IDEMPOTENCY_KEY, TAG, WRITE_ERRORS, Base, client_key, valid
from .serializers import ActionOutput, HoldingOutput, TransferRequestInput, TransferRequestOutput


class HoldingsApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_holdings", responses={200: HoldingOutput(many=True),
                                                                          **error_responses(403)})
    def get(self, request):
        rows = []
        for p in selectors.holdings_of_investor(user=request.user):
            can = selectors.transferable_for(position=p)
            p.transferable_now = str(can.amount)
            p.reasons = [{"code": c, "message": m} for c, m in can.reasons]
            rows.append(p)
        return Response(HoldingOutput(rows, many=True).data)


class HistoryApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_history", responses={200: ActionOutput(many=True),
                                                                         **error_responses(403)})
    def get(self, request):
        return Response(ActionOutput(selectors.actions_of_investor(user=request.user, limit=500), many=True).data)


class TransferRequestApi(Base):
    idempotency = "service"   # the service records the Idempotency-Key (client_keys), not core's replay
    @extend_schema(tags=[TAG], operation_id="ledger_holding_transfer", request=TransferRequestInput,
                   description="Move units from one of your holdings; the transfer rules decide at once.",
                   parameters=[IDEMPOTENCY_KEY],
                   responses={201: TransferRequestOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):
        position = selectors.position_get_for_investor(user=request.user, pk=pk)
        data = valid(TransferRequestInput, request.data)
        req = services.transfer_request_create(security=position.security, from_wallet=position.wallet,
                                               to_wallet=data["to_wallet"], amount=data["amount"], actor=request.user,
                                               idempotency_key=client_key(request))
        return Response(TransferRequestOutput({"id": req.pk, "action": req.action}).data,
                        status=status.HTTP_201_CREATED)
