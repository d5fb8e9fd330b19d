"""The register's API (mounted at /api/ledger/): the same operations as the pages. Each view
parses input, calls one service or selector and serializes; errors use core's body."""

from __future__ import annotations

from datetime import date

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ApplicationError
from investors.models import Wallet
from issuance.selectors import subscription_get_for_issuer

from . import selectors, services
from .models import ComplianceRequest, Position, TokenAction


class ActionOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    chain_status = serializers.SerializerMethodField()
    tx_hash = serializers.SerializerMethodField()
    block_number = serializers.SerializerMethodField()

    class Meta:
        model = TokenAction
        fields = ["id", "kind", "security", "from_wallet", "to_wallet", "amount", "reason", "cause", "origin",
                  "idempotency_key", "created_at", "chain_status", "tx_hash", "block_number"]

    def get_amount(self, a: TokenAction) -> str:
        return str(int(a.amount))

    def get_chain_status(self, a: TokenAction) -> str:
        return "confirmed" if a.origin == TokenAction.Origin.CHAIN else (a.outbox.status if a.outbox else "")

    def get_tx_hash(self, a: TokenAction) -> str:
        return a.outbox.tx_hash if a.outbox else ""

    def get_block_number(self, a: TokenAction) -> int | None:
        return a.block_number if a.origin == TokenAction.Origin.CHAIN else (a.outbox.block_number if a.outbox else None)


class PositionOutput(serializers.ModelSerializer):
    balance = serializers.SerializerMethodField()
    frozen = serializers.SerializerMethodField()
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = Position
        fields = ["id", "security", "symbol", "wallet", "balance", "frozen", "wallet_frozen"]

    def get_balance(self, p: Position) -> str:
        return str(int(p.balance))

    def get_frozen(self, p: Position) -> str:
        return str(int(p.frozen))


class RequestOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceRequest
        fields = ["id", "kind", "security", "from_wallet", "to_wallet", "amount", "reason", "status", "requested_by",
                  "decided_by", "action"]

    def get_amount(self, r: ComplianceRequest) -> str:
        return str(int(r.amount))


def _book(book) -> dict:  # noqa: ANN001
    return {k: str(int(getattr(book, k))) for k in ("authorized", "issued", "redeemed", "outstanding")} | {"paused": book.paused}


class CapTableApi(APIView):
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        try:
            as_of = date.fromisoformat(request.query_params["as_of"]) if request.query_params.get("as_of") else None
        except ValueError as error:
            raise ApplicationError("as_of must be YYYY-MM-DD", code="invalid_date") from error
        rows = selectors.cap_table(security=security, as_of=as_of)
        return Response({
            "security": security.pk, "as_of": as_of.isoformat() if as_of else None,
            "control_book": _book(selectors.control_book_for(security=security)),
            "holders": [{"investor": r.investor.pk, "email": r.investor.email, "wallets": r.wallets,
                         "balance": str(r.balance), "frozen": str(r.frozen), "percent": str(r.percent)} for r in rows],
        })


class ActionsApi(APIView):
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        return Response(ActionOutput(selectors.actions_of_security(security=security)[:500], many=True).data)


class SettleApi(APIView):
    """POST {"subscriptions": [ids]} settles them all or none; one id settles one."""

    def post(self, request):  # noqa: ANN001, ANN201
        ids = request.data.get("subscriptions") or []
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
            raise ApplicationError("subscriptions must be a non-empty list of ids", code="invalid",
                                   fields={"subscriptions": ["A non-empty list of subscription ids."]})
        subs = [subscription_get_for_issuer(user=request.user, pk=i) for i in ids]
        if len(subs) == 1:
            actions = [services.subscription_settle(subscription=subs[0], actor=request.user)]
        else:
            actions = services.subscriptions_settle(subscriptions=subs, actor=request.user)
        return Response(ActionOutput(actions, many=True).data, status=201)


def _str(data, key: str) -> str:  # noqa: ANN001
    value = data.get(key, "")
    return value if isinstance(value, str) else str(value)


class ControlApi(APIView):
    """POST /securities/<pk>/<op>/ for issue, transfer, redeem, freeze_tokens, unfreeze_tokens,
    freeze_wallet, unfreeze_wallet, pause, unpause."""

    def post(self, request, pk: int, op: str):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        d, u = request.data, request.user
        key = d.get("idempotency_key") or None
        if op == "issue":
            wallet = Wallet.objects.filter(address__iexact=_str(d, "wallet"), status=Wallet.Status.ACTIVE).first()
            if wallet is None:
                raise ApplicationError("Unknown wallet.", code="unknown_wallet", fields={"wallet": ["Unknown wallet."]})
            amount = d.get("amount")
            amount = int(amount) if isinstance(amount, str) and amount.isdigit() else amount
            action = services.tokens_issue(security=security, wallet=wallet, amount=amount, actor=u,
                                           reason=_str(d, "reason"), idempotency_key=key)
        elif op == "transfer":
            action = services.tokens_transfer(security=security, from_wallet=_str(d, "from_wallet"),
                                              to_wallet=_str(d, "to_wallet"), amount=_str(d, "amount"),
                                              reason=_str(d, "reason"), actor=u, idempotency_key=key)
        elif op == "redeem":
            action = services.tokens_redeem(security=security, wallet=_str(d, "wallet"), amount=_str(d, "amount"),
                                            reason=_str(d, "reason"), actor=u, idempotency_key=key)
        elif op in ("freeze_tokens", "unfreeze_tokens"):
            fn = services.tokens_freeze if op == "freeze_tokens" else services.tokens_unfreeze
            action = fn(security=security, wallet=_str(d, "wallet"), amount=_str(d, "amount"), reason=_str(d, "reason"), actor=u)
        elif op in ("freeze_wallet", "unfreeze_wallet"):
            fn = services.wallet_freeze if op == "freeze_wallet" else services.wallet_unfreeze
            action = fn(security=security, wallet=_str(d, "wallet"), reason=_str(d, "reason"), actor=u)
        elif op in ("pause", "unpause"):
            fn = services.security_pause if op == "pause" else services.security_unpause
            action = fn(security=security, reason=_str(d, "reason"), actor=u)
        else:
            raise ApplicationError("Unknown operation.", code="unknown_operation")
        return Response(ActionOutput(action).data, status=201)


class HoldingsApi(APIView):
    def get(self, request):  # noqa: ANN001, ANN201
        rows = []
        for p in selectors.holdings_of_investor(user=request.user):
            can = selectors.transferable_for(position=p)
            rows.append(PositionOutput(p).data | {"transferable_now": str(can.amount),
                                                   "reasons": [{"code": c, "message": m} for c, m in can.reasons]})
        return Response(rows)


class HistoryApi(APIView):
    def get(self, request):  # noqa: ANN001, ANN201
        return Response(ActionOutput(selectors.actions_of_investor(user=request.user)[:500], many=True).data)


class TransferRequestApi(APIView):
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        position = selectors.position_get_for_investor(user=request.user, pk=pk)
        req = services.transfer_request_create(security=position.security, from_wallet=position.wallet,
                                               to_wallet=_str(request.data, "to_wallet"),
                                               amount=_str(request.data, "amount"), actor=request.user)
        return Response({"id": req.pk, "action": ActionOutput(req.action).data}, status=201)


class ComplianceRequestsApi(APIView):
    def get(self, request):  # noqa: ANN001, ANN201
        status = request.query_params.get("status", "pending")
        return Response(RequestOutput(selectors.compliance_requests(actor=request.user, status=status)[:500], many=True).data)

    def post(self, request):  # noqa: ANN001, ANN201
        d = request.data
        security = selectors.ledger_security_get_for(user=request.user, pk=int(d.get("security") or 0))
        if d.get("kind") == ComplianceRequest.Kind.RECOVER:
            req = services.wallet_recovery_request(security=security, lost_wallet=_str(d, "from_wallet"),
                                                   new_wallet=_str(d, "to_wallet"), reason=_str(d, "reason"),
                                                   actor=request.user)
        else:
            req = services.forced_transfer_request(security=security, from_wallet=_str(d, "from_wallet"),
                                                   to_wallet=_str(d, "to_wallet"), amount=_str(d, "amount"),
                                                   reason=_str(d, "reason"), actor=request.user)
        return Response(RequestOutput(req).data, status=201)


class ComplianceDecisionApi(APIView):
    def post(self, request, pk: int, decision: str):  # noqa: ANN001, ANN201
        req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
        reason = _str(request.data, "reason")
        if decision == "approve":
            action = services.compliance_request_approve(request=req, actor=request.user, reason=reason)
            return Response(ActionOutput(action).data, status=201)
        if decision == "reject":
            req = services.compliance_request_reject(request=req, actor=request.user, reason=reason)
            return Response(RequestOutput(req).data)
        raise ApplicationError("Unknown decision.", code="unknown_decision")


