"""The investor's own income through the API (mounted under /api/servicing/income/): their
entitlement lines (paginated, filtered) and the yearly tax statement. Investors only: any
other role gets 403 `not_an_investor` (README, "Who may do what"); nothing of another
investor is ever read (every query is scoped to request.user)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from accounts.access import investor_self_ensure
from core.api import ApiView
from core.api_fields import AddressField, StrictIntegerField
from core.api_schema import error_responses
from core.money import MINOR_UNITS
from core.pagination import cursor_paginate, enum_filter, paginated

from . import selectors_income as income
from .models import CorporateAction, EntitlementLine

TAG = "servicing"


def money_text(value: Decimal, currency: str) -> str:
    """An amount as its currency counts it ("30000" JPY, "12.30" USD), as a string."""
    return str(value.quantize(Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))))


@extend_schema_field({"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"})
class WalletQueryField(AddressField):
    """A wallet address in a query: the schema names its pattern, so schema-valid means valid."""


class IncomeQuery(serializers.Serializer):
    security = StrictIntegerField(required=False, min_value=1, help_text="one of your securities (its id)")
    wallet = WalletQueryField(required=False, help_text="one of your wallets")
    status = serializers.ChoiceField(choices=EntitlementLine.Status.choices, required=False)


INCOME_FILTERS = [
    OpenApiParameter("security", {"type": "integer", "minimum": 1}, description="Only lines of this security of "
                     "yours (its id)."),
    OpenApiParameter("wallet", {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                     description="Only lines of this wallet of yours."),
    enum_filter("status", EntitlementLine.Status, "Only lines in this status."),
]


class SecurityRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    symbol = serializers.CharField()


class IncomeLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.IntegerField(source="action_id")
    kind = serializers.ChoiceField(source="action.kind", choices=CorporateAction.Kind.choices)
    income_kind = serializers.SerializerMethodField()
    security = SecurityRef(source="action.security")
    wallet = serializers.CharField()
    units = serializers.SerializerMethodField(help_text="base units held at the record date")
    currency = serializers.CharField(source="action.currency")
    record_date = serializers.DateField(source="action.record_date")
    payment_date = serializers.DateField(source="action.payment_date")
    gross = serializers.SerializerMethodField()
    principal = serializers.SerializerMethodField(help_text="the part of gross that is principal (never taxed)")
    withheld = serializers.SerializerMethodField()
    net = serializers.SerializerMethodField()
    tax_rate = serializers.DecimalField(max_digits=7, decimal_places=4, help_text="percent")
    tax_category = serializers.CharField()
    residence = serializers.CharField()
    status = serializers.ChoiceField(choices=EntitlementLine.Status.choices)
    paid_reference = serializers.CharField(help_text="transaction hash or bank reference, once paid")
    paid_at = serializers.DateTimeField(allow_null=True)

    def get_income_kind(self, line) -> str:
        return income.INCOME_KIND[line.action.kind]

    def get_units(self, line) -> str:
        return str(int(line.units))

    def get_gross(self, line) -> str:
        return money_text(line.gross, line.action.currency)

    def get_principal(self, line) -> str:
        return money_text(line.principal, line.action.currency)

    def get_withheld(self, line) -> str:
        return money_text(line.withheld, line.action.currency)

    def get_net(self, line) -> str:
        return money_text(line.net, line.action.currency)


class TotalOutput(serializers.Serializer):
    currency = serializers.CharField()
    income_kind = serializers.CharField(help_text="interest | dividend | distribution (statement); '' otherwise")
    count = serializers.IntegerField()
    gross = serializers.SerializerMethodField()
    principal = serializers.SerializerMethodField()
    withheld = serializers.SerializerMethodField()
    net = serializers.SerializerMethodField()

    def get_gross(self, total) -> str:
        return money_text(total.gross, total.currency)

    def get_principal(self, total) -> str:
        return money_text(total.principal, total.currency)

    def get_withheld(self, total) -> str:
        return money_text(total.withheld, total.currency)

    def get_net(self, total) -> str:
        return money_text(total.net, total.currency)


INCOME_EXTRA = {
    "count": serializers.IntegerField(help_text="lines matching the filters, over every page"),
    "totals": TotalOutput(many=True, help_text="per currency, over every page of the filtered lines"),
}


class TaxStatementOutput(serializers.Serializer):
    year = serializers.IntegerField()
    legal_name = serializers.CharField()
    residence = serializers.CharField()
    holder_kind = serializers.ChoiceField(choices=["individual", "corporate"])
    exemption = serializers.CharField()
    totals = TotalOutput(many=True, help_text="per currency and income kind")
    lines = IncomeLineOutput(many=True)


class IncomeApi(ApiView):
    @paginated(IncomeLineOutput, filters=INCOME_FILTERS, extra=INCOME_EXTRA, tags=[TAG],
               operation_id="servicing_income_list",
               description="Your entitlement lines (coupons, redemptions, dividends, distributions), newest "
                           "payment first, with their count and totals per currency over every page. Investors only.",
               responses=error_responses(400, 403))
    def get(self, request):
        investor_self_ensure(request.user)
        query = IncomeQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        lines = income.income_lines(investor=request.user, security_id=data.get("security"),
                                    wallet=data.get("wallet", ""), status=data.get("status", ""))
        totals = TotalOutput(income.totals_of(lines), many=True).data
        return cursor_paginate(request, lines, IncomeLineOutput, ordering=("-action__payment_date", "-id"),
                               extra={"count": lines.count(), "totals": totals})


class TaxStatementApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="servicing_income_tax_statement",
                   description="Your paid lines whose payment date falls in the year, with totals per currency "
                               "and income kind. Years before 2000 or after the current one are a 404. "
                               "Investors only.",
                   responses={200: TaxStatementOutput, **error_responses(403, 404)})
    def get(self, request, year: int):
        investor_self_ensure(request.user)
        statement = income.tax_statement(investor=request.user, year=year)
        return Response(TaxStatementOutput(statement).data)
