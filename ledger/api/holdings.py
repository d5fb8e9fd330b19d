"""An investor's side of the register: holdings (with what is transferable now and why not
more), history, and transfer requests from a holding."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api_schema import error_responses
from core.pagination import cursor_paginate, filter_rows, paginated

from .. import selectors, services
from .base import ACTION_KIND, IDEMPOTENCY_KEY, TAG, WRITE_ERRORS, Base, client_key, valid
from .serializers import ActionOutput, HoldingOutput, TransferRequestInput, TransferRequestOutput


class HoldingsApi(Base):
    @paginated(HoldingOutput, tags=[TAG], operation_id="ledger_holdings", responses=error_responses(403),
               description="Your holdings (by security name, then wallet), each with what is transferable now "
                           "and why not more.")
    def get(self, request):
        def render(page):
            for p in page:
                can = selectors.transferable_for(position=p)
                p.transferable_now = str(can.amount)
                p.reasons = [{"code": c, "message": m} for c, m in can.reasons]
            return page
        return cursor_paginate(request, selectors.holdings_of_investor(user=request.user), HoldingOutput,
                               ordering=("security__name", "wallet", "id"), render=render)


class HistoryApi(Base):
    @paginated(ActionOutput, filters=[ACTION_KIND], tags=[TAG], operation_id="ledger_history",
               responses=error_responses(403), description="The register's actions to or from you, newest first.")
    def get(self, request):
        rows = filter_rows(request, selectors.actions_of_investor(user=request.user, limit=None), kind="kind")
        return cursor_paginate(request, rows, ActionOutput, ordering=("-id",))


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
