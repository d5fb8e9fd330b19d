"""A security's register (issuer staff; the controls also compliance officers): the cap table
and actions, issuing, transfers, redemptions, freezes and pauses, and settling subscriptions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.errors import ApplicationError
from core.pagination import cursor_paginate, filter_rows, paginated
from issuance.selectors import subscription_get_for_issuer

from .. import captable_selectors, selectors, services
from .base import ACTION_KIND, READ_ERRORS, TAG, WRITE_ERRORS, Base, client_key, control_schema, valid
from .serializers import (
    ActionOutput,
    CapTableOutput,
    CapTableQuery,
    FreezeTokensInput,
    FreezeWalletInput,
    IssueInput,
    PauseInput,
    RedeemInput,
    SettleInput,
    TransferInput,
)


class CapTableApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_cap_table", parameters=[CapTableQuery],
                   description="One page of the security's holders (keyset pagination: follow `next` and "
                               "`previous`), the totals of every holder and the control book.",
                   responses={200: CapTableOutput, **READ_ERRORS})
    def get(self, request, pk: int):
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        query = valid(CapTableQuery, request.query_params.dict())
        page = captable_selectors.cap_table_page(security=security, as_of=query.get("as_of"), sort=query["sort"],
                                                 search=query.get("q", ""), cursor=query.get("cursor", ""),
                                                 limit=query["limit"], chart_top=0)
        book = selectors.control_book_for(security=security)
        totals = page.totals
        return Response(CapTableOutput({
            "security": security.pk, "as_of": query.get("as_of"),
            "control_book": {k: str(int(getattr(book, k))) for k in ("authorized", "issued", "redeemed", "outstanding")}
            | {"paused": book.paused},
            "totals": {"holders": totals.holders, "outstanding": str(totals.outstanding),
                       "frozen": str(totals.frozen), "held": str(totals.held)},
            "results": [{"investor": r.investor_id, "email": r.email, "wallets": r.wallets,
                         "balance": str(r.balance), "frozen": str(r.frozen), "percent": str(r.percent)}
                        for r in page.rows],
            "next": page.next, "previous": page.previous,
        }).data)


class ActionsApi(Base):
    @paginated(ActionOutput, filters=[ACTION_KIND], tags=[TAG], operation_id="ledger_actions",
               responses=READ_ERRORS, description="The register's actions on this security, newest first.")
    def get(self, request, pk: int):
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        rows = filter_rows(request, selectors.actions_of_security(security=security, limit=None), kind="kind")
        return cursor_paginate(request, rows, ActionOutput, ordering=("-id",))


class IssueApi(Base):
    idempotency = "service"   # the service records the Idempotency-Key (client_keys), not core's replay
    @control_schema("ledger_issue", IssueInput, "Issue (mint) units to an investor's wallet (issuer admin).",
                     keyed=True)
    def post(self, request, pk: int):
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = valid(IssueInput, request.data)
        wallet = selectors.active_wallet_by_address(address=data["wallet"])
        if wallet is None:
            message = _("Wallet %(wallet)s is not in the register.") % {"wallet": data["wallet"]}
            raise ApplicationError(message, code="unknown_wallet", fields={"wallet": [message]})
        action = services.tokens_issue(security=security, wallet=wallet, amount=data["amount"], actor=request.user,
                                       reason=data["reason"], idempotency_key=client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class TransferApi(Base):
    idempotency = "service"   # the service records the Idempotency-Key (client_keys), not core's replay
    @control_schema("ledger_transfer", TransferInput,
                     "Move units between two registered wallets (issuer admin), under the transfer rules.", keyed=True)
    def post(self, request, pk: int):
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = valid(TransferInput, request.data)
        action = services.tokens_transfer(security=security, from_wallet=data["from_wallet"],
                                          to_wallet=data["to_wallet"], amount=data["amount"], reason=data["reason"],
                                          actor=request.user, idempotency_key=client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class RedeemApi(Base):
    idempotency = "service"   # the service records the Idempotency-Key (client_keys), not core's replay
    @control_schema("ledger_redeem", RedeemInput, "Redeem (burn) units held in a wallet (issuer admin).",
                     keyed=True)
    def post(self, request, pk: int):
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = valid(RedeemInput, request.data)
        action = services.tokens_redeem(security=security, wallet=data["wallet"], amount=data["amount"],
                                        reason=data["reason"], actor=request.user,
                                        idempotency_key=client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _wallet_amount_control(request, pk: int, service):
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = valid(FreezeTokensInput, request.data)
    action = service(security=security, wallet=data["wallet"], amount=data["amount"], reason=data["reason"],
                     actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _wallet_control(request, pk: int, service):
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = valid(FreezeWalletInput, request.data)
    action = service(security=security, wallet=data["wallet"], reason=data["reason"], actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _security_control(request, pk: int, service):
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = valid(PauseInput, request.data)
    action = service(security=security, reason=data["reason"], actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class FreezeTokensApi(Base):
    @control_schema("ledger_freeze_tokens", FreezeTokensInput,
                     "Freeze part of a wallet's balance (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):
        return _wallet_amount_control(request, pk, services.tokens_freeze)


class UnfreezeTokensApi(Base):
    @control_schema("ledger_unfreeze_tokens", FreezeTokensInput,
                     "Unfreeze frozen units of a wallet (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):
        return _wallet_amount_control(request, pk, services.tokens_unfreeze)


class FreezeWalletApi(Base):
    @control_schema("ledger_freeze_wallet", FreezeWalletInput,
                     "Freeze a whole wallet for this security (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):
        return _wallet_control(request, pk, services.wallet_freeze)


class UnfreezeWalletApi(Base):
    @control_schema("ledger_unfreeze_wallet", FreezeWalletInput,
                     "Unfreeze a wallet for this security (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):
        return _wallet_control(request, pk, services.wallet_unfreeze)


class PauseApi(Base):
    @control_schema("ledger_pause", PauseInput,
                     "Stop all transfers and issuance of this security (issuer admin or compliance; reason required).")
    def post(self, request, pk: int):
        return _security_control(request, pk, services.security_pause)


class UnpauseApi(Base):
    @control_schema("ledger_unpause", PauseInput,
                     "Resume a paused security (issuer admin or compliance; reason required).")
    def post(self, request, pk: int):
        return _security_control(request, pk, services.security_unpause)

class SettleApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_settle", request=SettleInput,
                   description="Settle ready-to-settle subscriptions, all or none (issuer staff).",
                   responses={201: ActionOutput(many=True), **WRITE_ERRORS})
    def post(self, request):
        ids = valid(SettleInput, request.data)["subscriptions"]
        subs = [subscription_get_for_issuer(user=request.user, pk=i) for i in ids]
        if len(subs) == 1:
            actions = [services.subscription_settle(subscription=subs[0], actor=request.user)]
        else:
            actions = services.subscriptions_settle(subscriptions=subs, actor=request.user)
        return Response(ActionOutput(actions, many=True).data, status=status.HTTP_201_CREATED)
