"""Delivery versus payment over the API: a security's board (offers: list, create, cancel,
pre-check, accept), a settlement (its typed data to sign, authorize with a signature or with
the platform-custodied wallet) and paying a subscription of a DvP offering. Investors only
see what is theirs or (the board) what they are eligible to buy: anything else is a 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.access import access_deny
from core.api_fields import DecimalStringField, StrictCharField, StrictInput
from core.errors import ApplicationError
from core.pagination import cursor_paginate, enum_filter, filter_rows, paginated
from issuance.models import Security
from issuance.selectors import subscription_get_for_investor

from .. import settlement_selectors as sel
from ..models import Settlement, TradeOffer
from ..services import board, settlement
from .base import READ_ERRORS, TAG, WRITE_ERRORS, Base, valid
from .fields import AddressField, AmountField

# --- bodies ----------------------------------------------------------------------------------


class OfferOutput(serializers.ModelSerializer):
    units = serializers.SerializerMethodField(help_text="base units of the security")
    price = serializers.SerializerMethodField(help_text="the whole price, in base units of the cash token")
    unit_price = serializers.CharField(help_text="per whole unit, in `currency`")
    symbol = serializers.CharField(source="security.symbol")
    # Plain strings: a model enum shared by several components gets a hashed name (a schema warning).
    status = serializers.CharField(help_text="offered, accepted, authorized, submitted, settled, failed, expired "
                                             "or cancelled")

    class Meta:
        model = TradeOffer
        fields = ["id", "security", "symbol", "cash", "seller_wallet", "units", "unit_price", "currency", "price",
                  "expires_at", "status", "buyer_wallet", "settlement", "failure_code", "created_at"]

    def get_units(self, o: TradeOffer) -> str:
        return str(int(o.units))

    def get_price(self, o: TradeOffer) -> str:
        return str(int(o.price))


class SettlementOutput(serializers.ModelSerializer):
    units = serializers.SerializerMethodField(help_text="base units of the security")
    price = serializers.SerializerMethodField(help_text="base units of the cash token")
    nonce = serializers.IntegerField()
    awaiting = serializers.SerializerMethodField(help_text="the parties whose signature is still needed")
    kind = serializers.CharField(help_text="primary (a subscription) or secondary (a trade)")
    status = serializers.CharField(help_text="awaiting_authorization, submitted, settled, failed, expired or "
                                             "cancelled")

    class Meta:
        model = Settlement
        fields = ["id", "kind", "security", "cash", "units", "price", "seller_wallet", "buyer_wallet", "deadline",
                  "nonce", "status", "failure_code", "failure_message", "subscription", "awaiting", "created_at"]

    def get_units(self, s: Settlement) -> str:
        return str(int(s.units))

    def get_price(self, s: Settlement) -> str:
        return str(int(s.price))

    def get_awaiting(self, s: Settlement) -> list[str]:
        return s.awaiting()


class SettlementDetailOutput(SettlementOutput):
    typed_data = serializers.SerializerMethodField(
        help_text="the EIP-712 Delivery to sign (eth_signTypedData_v4 JSON); null when nothing is awaited")

    class Meta(SettlementOutput.Meta):
        fields = [*SettlementOutput.Meta.fields, "typed_data"]

    def get_typed_data(self, s: Settlement) -> dict | None:
        if s.status != Settlement.Status.AWAITING_AUTHORIZATION:
            return None
        try:
            return sel.settlement_typed_data(s)
        except ApplicationError:   # settlement_unavailable: the contract or a token not deployed yet
            return None


class PrecheckOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    code = serializers.CharField(help_text="the rule engine's code (success when allowed), or insufficient_cash")
    message = serializers.CharField()
    seller_transferable = serializers.CharField(help_text="base units the seller can transfer now")
    buyer_cash = serializers.CharField(help_text="your free cash, base units of the cash token")
    price = serializers.CharField(help_text="base units of the cash token")


class OfferInput(StrictInput):
    wallet = AddressField(help_text="one of your active wallets, holding the units")
    units = AmountField()
    unit_price = DecimalStringField(help_text="per whole unit, in the security's currency")
    expires_at = serializers.DateTimeField(help_text="an instant (ISO 8601 with its offset), in the future")


class WalletInput(StrictInput):
    wallet = AddressField(help_text="one of your active wallets")


class SignatureInput(StrictInput):
    # The shape is checked by the service (400 malformed_signature), as the contract would.
    signature = StrictCharField(max_length=200, help_text="0x and 130 hexadecimal digits (r, s, v)")


class EmptyInput(StrictInput):
    pass


def _wallet(request, address: str):
    wallet = sel.wallet_of(user=request.user, address=address)
    if wallet is None:
        message = _("Choose one of your active wallets.")
        raise ApplicationError(str(message), code="wallet_not_investors", fields={"wallet": [str(message)]})
    return wallet


def _security(request, pk: int) -> Security:
    found = Security.objects.filter(pk=pk).first()
    if found is None:
        access_deny(request.user, object_type="issuance.security", object_id=pk, message=_("Not found."))
    return found


# --- views -----------------------------------------------------------------------------------


class BoardApi(Base):
    @paginated(OfferOutput, tags=[TAG], operation_id="ledger_board", responses=READ_ERRORS,
               description="The open offers of a security's board (eligible investors only), cheapest first.")
    def get(self, request, pk: int):
        offers = sel.board_for(user=request.user, security=_security(request, pk))
        return cursor_paginate(request, offers, OfferOutput, ordering=("unit_price", "id"))

    @extend_schema(tags=[TAG], operation_id="ledger_offer_create", request=OfferInput,
                   responses={201: OfferOutput, **WRITE_ERRORS},
                   description="Offer units from one of your wallets at a price per unit until an instant.")
    def post(self, request, pk: int):
        security = _security(request, pk)
        sel.board_for(user=request.user, security=security)   # 404 unless the board is yours to see
        data = valid(OfferInput, request.data)
        offer = board.offer_create(security=security, wallet=_wallet(request, data["wallet"]), units=data["units"],
                                   unit_price=data["unit_price"], expires_at=data["expires_at"], actor=request.user)
        return Response(OfferOutput(offer).data, status=status.HTTP_201_CREATED)


class MyOffersApi(Base):
    @paginated(OfferOutput, filters=[enum_filter("status", TradeOffer.Status, "Only offers in this status.")],
               tags=[TAG], operation_id="ledger_my_offers", responses=READ_ERRORS,
               description="The offers you made or accepted, newest first.")
    def get(self, request):
        rows = filter_rows(request, sel.offers_of(user=request.user), status="status")
        return cursor_paginate(request, rows, OfferOutput, ordering=("-id",))


class MySettlementsApi(Base):
    @paginated(SettlementOutput, filters=[enum_filter("status", Settlement.Status, "Only settlements in this status."),
                                          enum_filter("kind", Settlement.Kind, "Only settlements of this kind.")],
               tags=[TAG], operation_id="ledger_my_settlements", responses=READ_ERRORS,
               description="The settlements you are a party of (trades and paid subscriptions), newest first.")
    def get(self, request):
        rows = filter_rows(request, sel.settlements_of(user=request.user), status="status", kind="kind")
        return cursor_paginate(request, rows, SettlementOutput, ordering=("-id",))


class OfferApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_offer", responses={200: OfferOutput, **READ_ERRORS})
    def get(self, request, pk: int):
        return Response(OfferOutput(sel.offer_get_for(user=request.user, pk=pk)).data)


class OfferCancelApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_offer_cancel", request=EmptyInput,
                   responses={200: OfferOutput, **WRITE_ERRORS}, description="Take your offer back.")
    def post(self, request, pk: int):
        offer = sel.offer_get_for(user=request.user, pk=pk)
        valid(EmptyInput, request.data)
        return Response(OfferOutput(board.offer_cancel(offer=offer, actor=request.user)).data)


class OfferPrecheckApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_offer_precheck", request=WalletInput,
                   responses={200: PrecheckOutput, **WRITE_ERRORS},
                   description="Before accepting: your eligibility code, the seller's transferable-now amount "
                               "and your free cash. Writes nothing.")
    def post(self, request, pk: int):
        offer = sel.offer_get_for(user=request.user, pk=pk)
        data = valid(WalletInput, request.data)
        check = board.offer_precheck(offer=offer, buyer=request.user, wallet=_wallet(request, data["wallet"]))
        return Response(PrecheckOutput({
            "ok": check.ok, "code": check.code, "message": check.message,
            "seller_transferable": str(check.seller_transferable), "buyer_cash": str(check.buyer_cash),
            "price": str(check.price)}).data)


class OfferAcceptApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_offer_accept", request=WalletInput,
                   responses={201: SettlementDetailOutput, **WRITE_ERRORS},
                   description="Take the whole offer with one of your wallets: a settlement both parties sign.")
    def post(self, request, pk: int):
        offer = sel.offer_get_for(user=request.user, pk=pk)
        data = valid(WalletInput, request.data)
        found = board.offer_accept(offer=offer, wallet=_wallet(request, data["wallet"]), actor=request.user)
        return Response(SettlementDetailOutput(found).data, status=status.HTTP_201_CREATED)


class SettlementApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_settlement",
                   responses={200: SettlementDetailOutput, **WRITE_ERRORS},
                   description="A settlement you are a party of, with the typed data to sign while it awaits "
                               "authorization.")
    def get(self, request, pk: int):
        return Response(SettlementDetailOutput(sel.settlement_get_for(user=request.user, pk=pk)).data)


class SettlementAuthorizeApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_settlement_authorize", request=SignatureInput,
                   responses={200: SettlementOutput, **WRITE_ERRORS},
                   description="Your wallet's EIP-712 signature over the settlement's typed data. When every "
                               "party has signed, both legs are held and the settlement goes to the chain.")
    def post(self, request, pk: int):
        found = sel.settlement_get_for(user=request.user, pk=pk)
        data = valid(SignatureInput, request.data)
        found = settlement.settlement_authorize(settlement=found, signature=data["signature"], actor=request.user)
        return Response(SettlementOutput(found).data)


class SettlementAuthorizeCustodiedApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_settlement_authorize_custodied", request=EmptyInput,
                   responses={200: SettlementOutput, **WRITE_ERRORS},
                   description="You confirm the settlement; the trust bank signs with the wallet it keeps for you.")
    def post(self, request, pk: int):
        found = sel.settlement_get_for(user=request.user, pk=pk)
        valid(EmptyInput, request.data)
        found = settlement.settlement_authorize_custodied(settlement=found, actor=request.user)
        return Response(SettlementOutput(found).data)


class SubscriptionPayApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_subscription_pay", request=WalletInput,
                   responses={201: SettlementDetailOutput, **WRITE_ERRORS},
                   description="Pay your subscription of a DvP offering in the cash token from one of your "
                               "wallets: a settlement for you to authorize.")
    def post(self, request, pk: int):
        subscription = subscription_get_for_investor(user=request.user, pk=pk)
        data = valid(WalletInput, request.data)
        found = settlement.subscription_pay(subscription=subscription, wallet=_wallet(request, data["wallet"]),
                                            actor=request.user)
        return Response(SettlementDetailOutput(found).data, status=status.HTTP_201_CREATED)
