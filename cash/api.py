"""API of the cash app (mounted at /api/cash/): a holder's balances, deposits and
withdrawals; the cash agents' desk (record, approve, cancel, pay, create a token); an issuer
admin's treasury requests. Cash agents and issuer admins must have passed 2FA (the default
permission accounts.permissions.TwoFactorSatisfied)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import DecimalStringField, StrictCharField, StrictInput, StrictIntegerField
from core.pagination import cursor_paginate, enum_filter, filter_rows, paginated
from core.schema import ReasonField
from issuance.models import Issuer
from issuance.models.securities import CASH_DECIMALS

from . import selectors, services
from .models import CashDeposit, CashWithdrawal


class BalanceOutput(serializers.Serializer):
    currency = serializers.CharField()
    symbol = serializers.CharField()
    wallet = serializers.CharField()
    # in the currency's units, with its minor unit (JPY "2500", USD "12.30")
    balance = serializers.CharField()
    held = serializers.CharField()
    frozen = serializers.CharField()
    free = serializers.CharField()


class DepositOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.CharField(source="amount_display", help_text="in the currency's units")
    wallet = serializers.CharField()
    status = serializers.CharField()
    bank_account = serializers.SerializerMethodField(help_text="where to send the transfer, with the reference")
    bank_reference = serializers.CharField()
    value_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_bank_account(self, deposit) -> str:
        return selectors.bank_accounts().get(deposit.currency, "")


class WithdrawalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.CharField(source="amount_display", help_text="in the currency's units")
    wallet = serializers.CharField()
    status = serializers.CharField()
    paid_reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class TrustOutput(serializers.Serializer):
    currency = serializers.CharField(source="account.currency")
    security_id = serializers.IntegerField(source="account.security_id")
    symbol = serializers.CharField(source="account.security.symbol")
    bank_account = serializers.CharField(source="account.bank_account")
    balance = serializers.DecimalField(source="account.balance", max_digits=20, decimal_places=2,
                                       coerce_to_string=True)
    outstanding = serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)
    in_balance = serializers.BooleanField()


#: The currencies the trust bank keeps (an enum in the schema, so a client knows them).
CURRENCIES = list(CASH_DECIMALS)


class MoneyInput(StrictInput):
    currency = serializers.ChoiceField(choices=CURRENCIES)
    amount = DecimalStringField(help_text="in the currency's units, e.g. \"50000\" (JPY) or \"12.34\" (USD)")


class WithdrawalInput(MoneyInput):
    payout_details = StrictCharField(max_length=1000, help_text="bank, branch, account number, name")


class ReceiptInput(StrictInput):
    amount = DecimalStringField()
    bank_reference = StrictCharField(max_length=64)
    value_date = StrictCharField(max_length=10, help_text="YYYY-MM-DD")


class PaidInput(StrictInput):
    paid_reference = StrictCharField(max_length=64)


class CurrencyInput(StrictInput):
    currency = serializers.ChoiceField(choices=CURRENCIES)


class TreasuryInput(StrictInput):
    issuer = StrictIntegerField(min_value=1)


def _valid(serializer_class, request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


def _issuer(pk: int) -> Issuer:
    return Issuer(pk=pk, organization_id=Issuer.objects.filter(pk=pk).values_list("organization_id",
                                                                                 flat=True).first())


class BalancesApi(ApiView):
    @paginated(BalanceOutput, description="Your cash per currency and wallet, by currency then wallet.")
    def get(self, request):
        return cursor_paginate(request, selectors.balances_of(holder=request.user), BalanceOutput,
                               key=lambda r: (r.currency, r.wallet))


class DepositListApi(ApiView):
    @paginated(DepositOutput, filters=[enum_filter("status", CashDeposit.Status, "Only the deposits in this status.")],
               description="The deposits you may see (a cash agent: every one), newest first.")
    def get(self, request):
        rows = filter_rows(request, selectors.deposits_visible(actor=request.user), status="status")
        return cursor_paginate(request, rows, DepositOutput, ordering=("-id",))

    @extend_schema(request=MoneyInput, responses={201: DepositOutput})
    def post(self, request):
        data = _valid(MoneyInput, request)
        deposit = services.deposit_request(holder=request.user, actor=request.user, **data)
        return Response(DepositOutput(deposit).data, status=201)


class DepositDetailApi(ApiView):
    @extend_schema(responses=DepositOutput)
    def get(self, request, pk: int):
        return Response(DepositOutput(selectors.deposit_get_for(actor=request.user, pk=pk)).data)


class DepositReceiptApi(ApiView):
    @extend_schema(request=ReceiptInput, responses=DepositOutput)
    def post(self, request, pk: int):
        data = _valid(ReceiptInput, request)
        deposit = selectors.deposit_get_for(actor=request.user, pk=pk)
        return Response(DepositOutput(services.deposit_receipt_record(deposit=deposit, actor=request.user,
                                                                      **data)).data)


class DepositApproveApi(ApiView):
    @extend_schema(request=None, responses=DepositOutput)
    def post(self, request, pk: int):
        deposit = selectors.deposit_get_for(actor=request.user, pk=pk)
        return Response(DepositOutput(services.deposit_approve(deposit=deposit, actor=request.user)).data)


class CancelInput(StrictInput):
    reason = ReasonField(max_length=2000)


class DepositCancelApi(ApiView):
    @extend_schema(request=CancelInput, responses=DepositOutput)
    def post(self, request, pk: int):
        data = _valid(CancelInput, request)
        deposit = selectors.deposit_get_for(actor=request.user, pk=pk)
        return Response(DepositOutput(services.deposit_cancel(deposit=deposit, actor=request.user, **data)).data)


class WithdrawalListApi(ApiView):
    @paginated(WithdrawalOutput,
               filters=[enum_filter("status", CashWithdrawal.Status, "Only the withdrawals in this status.")],
               description="The withdrawals you may see (a cash agent: every one), newest first.")
    def get(self, request):
        rows = filter_rows(request, selectors.withdrawals_visible(actor=request.user), status="status")
        return cursor_paginate(request, rows, WithdrawalOutput, ordering=("-id",))

    @extend_schema(request=WithdrawalInput, responses={201: WithdrawalOutput})
    def post(self, request):
        data = _valid(WithdrawalInput, request)
        withdrawal = services.withdrawal_request(holder=request.user, actor=request.user, **data)
        return Response(WithdrawalOutput(withdrawal).data, status=201)


class WithdrawalPaidApi(ApiView):
    @extend_schema(request=PaidInput, responses=WithdrawalOutput)
    def post(self, request, pk: int):
        data = _valid(PaidInput, request)
        withdrawal = selectors.withdrawal_get_for(actor=request.user, pk=pk)
        return Response(WithdrawalOutput(services.withdrawal_mark_paid(withdrawal=withdrawal, actor=request.user,
                                                                       **data)).data)


class TrustApi(ApiView):
    @paginated(TrustOutput, description="Each trust account against its cash token's control book, by currency.")
    def get(self, request):
        return cursor_paginate(request, selectors.trust_overview(actor=request.user), TrustOutput,
                               key=lambda r: (r.account.currency,))

    @extend_schema(request=CurrencyInput, responses={201: TrustOutput})
    def post(self, request):
        data = _valid(CurrencyInput, request)
        services.cash_token_create(currency=data["currency"], actor=request.user)
        rows = [r for r in selectors.trust_overview(actor=request.user)
                if r.account.currency == data["currency"].strip().upper()]
        return Response(TrustOutput(rows[0]).data, status=201)


class TreasuryDepositInput(MoneyInput):
    issuer = StrictIntegerField(min_value=1)


class TreasuryWithdrawalInput(WithdrawalInput):
    issuer = StrictIntegerField(min_value=1)


class TreasuryDepositApi(ApiView):
    @extend_schema(request=TreasuryDepositInput, responses={201: DepositOutput})
    def post(self, request):
        data = _valid(TreasuryDepositInput, request)
        deposit = services.treasury_deposit_request(issuer=_issuer(data.pop("issuer")), actor=request.user, **data)
        return Response(DepositOutput(deposit).data, status=201)


class TreasuryWithdrawalApi(ApiView):
    @extend_schema(request=TreasuryWithdrawalInput, responses={201: WithdrawalOutput})
    def post(self, request):
        data = _valid(TreasuryWithdrawalInput, request)
        withdrawal = services.treasury_withdrawal_request(issuer=_issuer(data.pop("issuer")), actor=request.user,
                                                          **data)
        return Response(WithdrawalOutput(withdrawal).data, status=201)
