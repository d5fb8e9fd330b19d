"""The register's API (mounted at /api/ledger/): the same operations as the pages, one view
per operation. Each view checks its input with a strict serializer (core.api_fields: exactly
what the schema says), calls one service or selector and serializes; errors use core's body
(core.api_errors). Writes that move tokens take the client's `Idempotency-Key` header, which
the services record in the client's own namespace (ledger.services.client_keys.client_key_stored)."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from core import api_fields
from core.api import ApiView
from core.api_fields import StrictCharField, StrictInput
from core.api_schema import error_responses
from core.errors import ApplicationError
from core.parsers import JSONObjectParser
from investors.models import Wallet
from issuance.selectors import subscription_get_for_issuer

from . import selectors, services
from .models import ComplianceRequest, Position, TokenAction
from .services.client_keys import CLIENT_KEY_MAX_LENGTH, CLIENT_KEY_PATTERN, client_key_from_header

TAG = "ledger"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, pattern=CLIENT_KEY_PATTERN,
    description=f"Your own key for this request (1 to {CLIENT_KEY_MAX_LENGTH} visible ASCII characters). "
                "Repeating the same request under it returns the action recorded the first time; another "
                "request under it is a 409 idempotency_conflict. Keys live in your organization's namespace "
                "(issuer staff) or your own, so they never meet other clients' keys.",
)


class Base(ApiView):
    """Ledger API views: JSON object bodies only (a write's body is parsed, and refused when
    malformed, even where the view reads none); the project's default permissions apply (signed
    in, and 2FA passed for staff and issuer admins: accounts.permissions)."""

    parser_classes = [JSONObjectParser]


def _valid(serializer_class: type[serializers.Serializer], data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _client_key(request) -> str | None:  # noqa: ANN001
    """The client's Idempotency-Key header, checked (an empty one is a 400); the services
    record it in the client's namespace."""
    return client_key_from_header(request.headers.get("Idempotency-Key"))


# --- output --------------------------------------------------------------------------------

class ActionOutput(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField(help_text="base units")
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


class TransferableReasonOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class HoldingOutput(serializers.ModelSerializer):
    balance = serializers.SerializerMethodField(help_text="base units")
    frozen = serializers.SerializerMethodField(help_text="base units")
    symbol = serializers.CharField(source="security.symbol")
    transferable_now = serializers.CharField(help_text="base units")
    reasons = TransferableReasonOutput(many=True)

    class Meta:
        model = Position
        fields = ["id", "security", "symbol", "wallet", "balance", "frozen", "wallet_frozen", "transferable_now",
                  "reasons"]

    def get_balance(self, p: Position) -> str:
        return str(int(p.balance))

    def get_frozen(self, p: Position) -> str:
        return str(int(p.frozen))


class RequestOutput(serializers.ModelSerializer):
    # A plain string here: ComplianceRequest.Kind as an enum in both this and the input's
    # component gets a hashed enum name (a schema warning) without a settings override.
    kind = serializers.CharField(help_text="forced_transfer or recover")
    amount = serializers.SerializerMethodField(help_text="base units (0 for a recovery: the whole position)")

    class Meta:
        model = ComplianceRequest
        fields = ["id", "kind", "security", "from_wallet", "to_wallet", "amount", "reason", "status", "requested_by",
                  "decided_by", "action"]

    def get_amount(self, r: ComplianceRequest) -> str:
        return str(int(r.amount))


class TransferRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action = ActionOutput()


class ControlBookOutput(serializers.Serializer):
    authorized = serializers.CharField(help_text="base units")
    issued = serializers.CharField(help_text="base units")
    redeemed = serializers.CharField(help_text="base units")
    outstanding = serializers.CharField(help_text="base units")
    paused = serializers.BooleanField()


class HolderOutput(serializers.Serializer):
    investor = serializers.IntegerField()
    email = serializers.CharField()
    wallets = serializers.ListField(child=serializers.CharField())
    balance = serializers.CharField(help_text="base units")
    frozen = serializers.CharField(help_text="base units")
    percent = serializers.CharField(help_text="share of the outstanding units, two decimals")


class CapTableOutput(serializers.Serializer):
    security = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    control_book = ControlBookOutput()
    holders = HolderOutput(many=True)


# --- input ---------------------------------------------------------------------------------

# A positive whole number of base units in ASCII digits: no sign, separator, leading zero or
# other script's digits; at most 77 digits, so every match fits a uint256 (2**256 has 78).
AMOUNT_PATTERN = r"^[1-9][0-9]{0,76}$"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"


@extend_schema_field({"type": "string", "pattern": AMOUNT_PATTERN, "maxLength": 77,
                      "description": "base units: a positive whole number as a string of ASCII digits"})
class AmountField(api_fields.AmountField):
    """core's AmountField, positive and without leading zeros (as the schema's pattern says),
    validated to an int."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("max_length", 77)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        value = super().to_internal_value(data)
        if not re.fullmatch(AMOUNT_PATTERN, value):
            raise serializers.ValidationError(
                _("The amount must be a positive whole number of base units."),
                code="invalid")
        return value

    def run_validation(self, data=serializers.empty):  # noqa: ANN001, ANN201
        return int(super().run_validation(data))


@extend_schema_field({"type": "string", "pattern": ADDRESS_PATTERN, "maxLength": 42,
                      "description": "a wallet address: 0x and 40 hexadecimal digits, all lower case, all upper "
                                     "case or with a valid EIP-55 checksum (else 400 invalid_wallet)"})
class AddressField(api_fields.AddressField):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class IdField(api_fields.StrictIntegerField):
    """An id: a JSON integer, 1 to bigint (not "5", 5.0 or true)."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):  # noqa: ANN001, ANN201
        if not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class DateField(serializers.DateField):
    """YYYY-MM-DD in ASCII digits (DRF's DateField also takes other scripts' digits)."""

    def to_internal_value(self, value):  # noqa: ANN001, ANN201
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class CapTableQuery(serializers.Serializer):
    as_of = DateField(required=False, help_text="YYYY-MM-DD: the register at the end of that day")


# A reason: no NUL (PostgreSQL's text refuses it), at most 2000 characters; where one is
# required, something other than whitespace (Python's \s, as str.strip() trims).
REASON_PATTERN = r"^[^\u0000]*$"
REQUIRED_REASON_PATTERN = r"^[^\u0000]*\S[^\u0000]*$"


@extend_schema_field({"type": "string", "maxLength": 2000, "pattern": REASON_PATTERN, "default": ""})
class ReasonField(StrictCharField):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(max_length=2000, required=False, allow_blank=True, default="", **kwargs)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": REQUIRED_REASON_PATTERN,
                      "description": "required: why (kept in the register and the audit trail)"})
class RequiredReasonField(StrictCharField):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(max_length=2000, **kwargs)


class ControlInput(StrictInput):
    """A register control's body. The idempotency key goes in the Idempotency-Key header."""

    refused = {"idempotency_key": _("Send the idempotency key in the Idempotency-Key header, not in the body.")}
    reason = ReasonField()


class IssueInput(ControlInput):
    wallet = AddressField(help_text="an active wallet of a verified investor")
    amount = AmountField()


class TransferInput(ControlInput):
    from_wallet = AddressField()
    to_wallet = AddressField()
    amount = AmountField()


class RedeemInput(ControlInput):
    """Redeem (burn) `amount` base units of one wallet's position."""

    wallet = AddressField()
    amount = AmountField()


class FreezeTokensInput(ControlInput):
    """Freeze or unfreeze `amount` base units of one wallet's position; a reason is required."""

    wallet = AddressField()
    amount = AmountField()
    reason = RequiredReasonField()


class FreezeWalletInput(ControlInput):
    """Freeze or unfreeze a whole wallet for this security; a reason is required."""

    wallet = AddressField()
    reason = RequiredReasonField()


class PauseInput(ControlInput):
    """Pause or resume the security; a reason is required."""

    reason = RequiredReasonField()


class SettleInput(StrictInput):
    """Subscriptions to settle, by id."""

    subscriptions = serializers.ListField(child=IdField(), min_length=1, max_length=500,
                                          help_text="subscription ids: all are settled or none")


class TransferRequestInput(StrictInput):
    """Where to move units of your holding, and how many."""

    to_wallet = AddressField()
    amount = AmountField()


class ComplianceRequestQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*ComplianceRequest.Status.choices, ("", "any")], required=False,
                                     default=ComplianceRequest.Status.PENDING, allow_blank=True)


class ForcedTransferRequestInput(StrictInput):
    """A forced transfer of `amount` base units (e.g. a court order); a reason is required."""

    kind = serializers.ChoiceField(choices=[ComplianceRequest.Kind.choices[0]])
    security = IdField()
    from_wallet = AddressField(help_text="the wallet the tokens leave")
    to_wallet = AddressField(help_text="the receiving wallet")
    amount = AmountField()
    reason = RequiredReasonField()


class RecoveryRequestInput(StrictInput):
    """A wallet recovery: the lost wallet's whole position (no amount) to another wallet of the
    same investor; a reason is required."""

    kind = serializers.ChoiceField(choices=[ComplianceRequest.Kind.choices[1]])
    security = IdField()
    from_wallet = AddressField(help_text="the lost wallet")
    to_wallet = AddressField(help_text="the investor's new wallet")
    reason = RequiredReasonField()


COMPLIANCE_REQUEST_INPUT = PolymorphicProxySerializer(
    component_name="ComplianceRequestInput", serializers=[ForcedTransferRequestInput, RecoveryRequestInput],
    resource_type_field_name=None)   # oneOf: the two `kind` enums and additionalProperties tell them apart


def _compliance_request_input(data: object) -> type[StrictInput]:
    """The body's serializer by its `kind` (an unknown kind is refused by the first's choices)."""
    if isinstance(data, dict) and data.get("kind") == ComplianceRequest.Kind.RECOVER:
        return RecoveryRequestInput
    return ForcedTransferRequestInput


class ApproveInput(StrictInput):
    """Why (optional)."""

    reason = ReasonField()


class RejectInput(StrictInput):
    """Why: required."""

    reason = RequiredReasonField()


# --- views: the register of a security -------------------------------------------------------

READ_ERRORS = error_responses(400, 403, 404)
WRITE_ERRORS = error_responses(400, 403, 404, 409)


class CapTableApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_cap_table", parameters=[CapTableQuery],
                   responses={200: CapTableOutput, **READ_ERRORS})
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        as_of = _valid(CapTableQuery, request.query_params.dict()).get("as_of")
        book = selectors.control_book_for(security=security)
        rows = selectors.cap_table(security=security, as_of=as_of)
        return Response(CapTableOutput({
            "security": security.pk, "as_of": as_of,
            "control_book": {k: str(int(getattr(book, k))) for k in ("authorized", "issued", "redeemed", "outstanding")}
            | {"paused": book.paused},
            "holders": [{"investor": r.investor.pk, "email": r.investor.email, "wallets": r.wallets,
                         "balance": str(r.balance), "frozen": str(r.frozen), "percent": str(r.percent)} for r in rows],
        }).data)


class ActionsApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_actions", responses={200: ActionOutput(many=True), **READ_ERRORS})
    def get(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        return Response(ActionOutput(selectors.actions_of_security(security=security)[:500], many=True).data)


def _control_schema(operation_id: str, request: type[serializers.Serializer], description: str, *,
                    keyed: bool = False):  # noqa: ANN202
    return extend_schema(tags=[TAG], operation_id=operation_id, request=request, description=description,
                         parameters=[IDEMPOTENCY_KEY] if keyed else None,
                         responses={201: ActionOutput, **WRITE_ERRORS})


class IssueApi(Base):
    @_control_schema("ledger_issue", IssueInput, "Issue (mint) units to an investor's wallet (issuer admin).",
                     keyed=True)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = _valid(IssueInput, request.data)
        wallet = Wallet.objects.filter(address__iexact=data["wallet"], status=Wallet.Status.ACTIVE).first()
        if wallet is None:
            message = _("Wallet %(wallet)s is not in the register.") % {"wallet": data["wallet"]}
            raise ApplicationError(message, code="unknown_wallet", fields={"wallet": [message]})
        action = services.tokens_issue(security=security, wallet=wallet, amount=data["amount"], actor=request.user,
                                       reason=data["reason"], idempotency_key=_client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class TransferApi(Base):
    @_control_schema("ledger_transfer", TransferInput,
                     "Move units between two registered wallets (issuer admin), under the transfer rules.", keyed=True)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = _valid(TransferInput, request.data)
        action = services.tokens_transfer(security=security, from_wallet=data["from_wallet"],
                                          to_wallet=data["to_wallet"], amount=data["amount"], reason=data["reason"],
                                          actor=request.user, idempotency_key=_client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class RedeemApi(Base):
    @_control_schema("ledger_redeem", RedeemInput, "Redeem (burn) units held in a wallet (issuer admin).",
                     keyed=True)
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        security = selectors.ledger_security_get_for(user=request.user, pk=pk)
        data = _valid(RedeemInput, request.data)
        action = services.tokens_redeem(security=security, wallet=data["wallet"], amount=data["amount"],
                                        reason=data["reason"], actor=request.user,
                                        idempotency_key=_client_key(request))
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _wallet_amount_control(request, pk: int, service):  # noqa: ANN001, ANN202
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = _valid(FreezeTokensInput, request.data)
    action = service(security=security, wallet=data["wallet"], amount=data["amount"], reason=data["reason"],
                     actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _wallet_control(request, pk: int, service):  # noqa: ANN001, ANN202
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = _valid(FreezeWalletInput, request.data)
    action = service(security=security, wallet=data["wallet"], reason=data["reason"], actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


def _security_control(request, pk: int, service):  # noqa: ANN001, ANN202
    security = selectors.ledger_security_get_for(user=request.user, pk=pk)
    data = _valid(PauseInput, request.data)
    action = service(security=security, reason=data["reason"], actor=request.user)
    return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class FreezeTokensApi(Base):
    @_control_schema("ledger_freeze_tokens", FreezeTokensInput,
                     "Freeze part of a wallet's balance (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _wallet_amount_control(request, pk, services.tokens_freeze)


class UnfreezeTokensApi(Base):
    @_control_schema("ledger_unfreeze_tokens", FreezeTokensInput,
                     "Unfreeze frozen units of a wallet (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _wallet_amount_control(request, pk, services.tokens_unfreeze)


class FreezeWalletApi(Base):
    @_control_schema("ledger_freeze_wallet", FreezeWalletInput,
                     "Freeze a whole wallet for this security (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _wallet_control(request, pk, services.wallet_freeze)


class UnfreezeWalletApi(Base):
    @_control_schema("ledger_unfreeze_wallet", FreezeWalletInput,
                     "Unfreeze a wallet for this security (issuer admin or compliance officer; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _wallet_control(request, pk, services.wallet_unfreeze)


class PauseApi(Base):
    @_control_schema("ledger_pause", PauseInput,
                     "Stop all transfers and issuance of this security (issuer admin or compliance; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _security_control(request, pk, services.security_pause)


class UnpauseApi(Base):
    @_control_schema("ledger_unpause", PauseInput,
                     "Resume a paused security (issuer admin or compliance; reason required).")
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        return _security_control(request, pk, services.security_unpause)


# --- views: settlement, investors, compliance -------------------------------------------------

class SettleApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_settle", request=SettleInput,
                   description="Settle ready-to-settle subscriptions, all or none (issuer staff).",
                   responses={201: ActionOutput(many=True), **WRITE_ERRORS})
    def post(self, request):  # noqa: ANN001, ANN201
        ids = _valid(SettleInput, request.data)["subscriptions"]
        subs = [subscription_get_for_issuer(user=request.user, pk=i) for i in ids]
        if len(subs) == 1:
            actions = [services.subscription_settle(subscription=subs[0], actor=request.user)]
        else:
            actions = services.subscriptions_settle(subscriptions=subs, actor=request.user)
        return Response(ActionOutput(actions, many=True).data, status=status.HTTP_201_CREATED)


class HoldingsApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_holdings", responses={200: HoldingOutput(many=True),
                                                                          **error_responses(403)})
    def get(self, request):  # noqa: ANN001, ANN201
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
    def get(self, request):  # noqa: ANN001, ANN201
        return Response(ActionOutput(selectors.actions_of_investor(user=request.user)[:500], many=True).data)


class TransferRequestApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_holding_transfer", request=TransferRequestInput,
                   description="Move units from one of your holdings; the transfer rules decide at once.",
                   parameters=[IDEMPOTENCY_KEY],
                   responses={201: TransferRequestOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        position = selectors.position_get_for_investor(user=request.user, pk=pk)
        data = _valid(TransferRequestInput, request.data)
        req = services.transfer_request_create(security=position.security, from_wallet=position.wallet,
                                               to_wallet=data["to_wallet"], amount=data["amount"], actor=request.user,
                                               idempotency_key=_client_key(request))
        return Response(TransferRequestOutput({"id": req.pk, "action": req.action}).data,
                        status=status.HTTP_201_CREATED)


class ComplianceRequestsApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_requests_list", parameters=[ComplianceRequestQuery],
                   responses={200: RequestOutput(many=True), **error_responses(400, 403, 404)})
    def get(self, request):  # noqa: ANN001, ANN201
        wanted = _valid(ComplianceRequestQuery, request.query_params.dict())["status"]
        return Response(RequestOutput(selectors.compliance_requests(actor=request.user, status=wanted)[:500],
                                      many=True).data)

    @extend_schema(tags=[TAG], operation_id="ledger_requests_create", request=COMPLIANCE_REQUEST_INPUT,
                   description="Ask for a forced transfer or a wallet recovery (compliance officer); a second "
                               "officer decides.",
                   responses={201: RequestOutput, **WRITE_ERRORS})
    def post(self, request):  # noqa: ANN001, ANN201
        data = _valid(_compliance_request_input(request.data), request.data)
        security = selectors.ledger_security_get_for(user=request.user, pk=data["security"])
        if data["kind"] == ComplianceRequest.Kind.RECOVER:
            req = services.wallet_recovery_request(security=security, lost_wallet=data["from_wallet"],
                                                   new_wallet=data["to_wallet"], reason=data["reason"],
                                                   actor=request.user)
        else:
            req = services.forced_transfer_request(security=security, from_wallet=data["from_wallet"],
                                                   to_wallet=data["to_wallet"], amount=data["amount"],
                                                   reason=data["reason"], actor=request.user)
        return Response(RequestOutput(req).data, status=status.HTTP_201_CREATED)


class ComplianceApproveApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_request_approve", request=ApproveInput,
                   description="A second compliance officer approves: the request is carried out now.",
                   responses={201: ActionOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
        data = _valid(ApproveInput, request.data)
        action = services.compliance_request_approve(request=req, actor=request.user, reason=data["reason"])
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)


class ComplianceRejectApi(Base):
    @extend_schema(tags=[TAG], operation_id="ledger_request_reject", request=RejectInput,
                   description="A second compliance officer rejects the request (reason required).",
                   responses={200: RequestOutput, **WRITE_ERRORS})
    def post(self, request, pk: int):  # noqa: ANN001, ANN201
        req = selectors.compliance_request_get_for(actor=request.user, pk=pk)
        data = _valid(RejectInput, request.data)
        req = services.compliance_request_reject(request=req, actor=request.user, reason=data["reason"])
        return Response(RequestOutput(req).data)
