"""The register API's bodies: what the views answer (the ...Output serializers) and what they
take (...Input, ...Query)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from core.api_fields import StrictInput

from ..models import ComplianceRequest, Position, TokenAction
from .fields import AddressField, AmountField, DateField, IdField, ReasonField, RequiredReasonField

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


class CapTableTotalsOutput(serializers.Serializer):
    holders = serializers.IntegerField(help_text="investors with units (every page, not this page)")
    outstanding = serializers.CharField(help_text="base units held by all holders")
    frozen = serializers.CharField(help_text="base units")
    held = serializers.CharField(help_text="base units held for settlements in flight (0 for a past day)")


class CapTableOutput(serializers.Serializer):
    security = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    control_book = ControlBookOutput()
    totals = CapTableTotalsOutput()
    results = HolderOutput(many=True, help_text="this page's holders")
    next = serializers.CharField(allow_null=True, help_text="cursor of the next page (pass as ?cursor=), or null")
    previous = serializers.CharField(allow_null=True, help_text="cursor of the previous page, or null")



# --- input ---------------------------------------------------------------------------------

class CapTableQuery(serializers.Serializer):
    as_of = DateField(required=False, help_text="YYYY-MM-DD: the register at the end of that day")
    sort = serializers.ChoiceField(choices=["balance", "name"], required=False, default="balance",
                                   help_text="balance: largest first (ties: investor id, largest first); "
                                             "name: display name (full name, else e-mail), then investor id")
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, trim_whitespace=True,
                              help_text="search: a name or e-mail prefix, or 0x and a wallet address prefix "
                                        "(any letter case)")
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=600,
                                   help_text="`next` or `previous` of an earlier page, with the same sort, q "
                                             "and as_of (else 400 invalid_cursor)")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50,
                                     help_text="holders per page, 1 to 200")


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


def compliance_request_input(data: object) -> type[StrictInput]:
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
