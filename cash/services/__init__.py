"""The cash app's use cases (writes). Each owns its durable transaction and writes its audit
events; the chain follows through the outbox rows of the register moves they make."""

from .deposits import (
    approval_limit,
    deposit_approve,
    deposit_cancel,
    deposit_receipt_record,
    deposit_request,
    treasury_deposit_request,
)
from .tokens import cash_token_create, trust_bank_issuer, trust_bank_join
from .withdrawals import treasury_withdrawal_request, withdrawal_mark_paid, withdrawal_request

__all__ = [
    "approval_limit",
    "cash_token_create",
    "deposit_approve",
    "deposit_cancel",
    "deposit_receipt_record",
    "deposit_request",
    "treasury_deposit_request",
    "treasury_withdrawal_request",
    "trust_bank_issuer",
    "trust_bank_join",
    "withdrawal_mark_paid",
    "withdrawal_request",
]
