"""The register's use cases (writes). Each owns its durable transaction; the chain follows
through the outbox rows they write. See locks.py for the lock order."""

from .board import Precheck, offer_accept, offer_cancel, offer_create, offer_precheck, offers_expire
from .controls import (
    security_pause,
    security_unpause,
    tokens_freeze,
    tokens_redeem,
    tokens_unfreeze,
    wallet_freeze,
    wallet_unfreeze,
)
from .forced import (
    compliance_request_approve,
    compliance_request_reject,
    forced_transfer_request,
    wallet_recovery_request,
)
from .issue import IssueItem, subscription_settle, subscriptions_settle, tokens_issue, tokens_issue_many
from .settlement import (
    settlement_authorize,
    settlement_authorize_custodied,
    settlement_outcome,
    subscription_pay,
)
from .transfers import chain_transfer_record, tokens_transfer, transfer_request_create

__all__ = [
    "IssueItem",
    "Precheck",
    "chain_transfer_record",
    "compliance_request_approve",
    "compliance_request_reject",
    "forced_transfer_request",
    "offer_accept",
    "offer_cancel",
    "offer_create",
    "offer_precheck",
    "offers_expire",
    "security_pause",
    "security_unpause",
    "settlement_authorize",
    "settlement_authorize_custodied",
    "settlement_outcome",
    "subscription_pay",
    "subscription_settle",
    "subscriptions_settle",
    "tokens_freeze",
    "tokens_issue",
    "tokens_issue_many",
    "tokens_redeem",
    "tokens_transfer",
    "tokens_unfreeze",
    "transfer_request_create",
    "wallet_freeze",
    "wallet_recovery_request",
    "wallet_unfreeze",
]
