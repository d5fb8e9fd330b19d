"""Delivery versus payment in the register (ledger.models.settlement): the parties' EIP-712
authorizations, the hold of both legs with the one outbox action for the Settlement contract,
and the outcome the chain reports (both legs moved, or both released), each in ONE
transaction. Primary settlements pay a subscription in the cash token (subscription_pay)."""

from __future__ import annotations

from accounts.models import User
from investors.models import Wallet
from issuance.models import Subscription

from ..models import Settlement


def settlement_authorize(*, settlement: Settlement, signature: str, actor: User) -> Settlement:
    """A party of the settlement signs the Delivery with its self-custodied wallet: the
    signature must be the party's wallet's over exactly settlement_typed_data(settlement).
    When every needed signature is in, the settlement is submitted in the same transaction."""
    raise NotImplementedError


def settlement_authorize_custodied(*, settlement: Settlement, actor: User) -> Settlement:
    """As settlement_authorize for a platform-custodied wallet: the investor confirmed, the
    custody signer (investors.custody.custody_sign) signs."""
    raise NotImplementedError


def settlement_outcome(*, settlement_id: int, settled: bool, code: str = "", message: str = "") -> Settlement | None:
    """The chain's verdict on a submitted settlement, called by chain/ INSIDE its transaction
    (not durable): settled -> both holds become moves; else both holds are released and the
    settlement fails with a stable code. Idempotent."""
    raise NotImplementedError


def subscription_pay(*, subscription: Subscription, wallet: Wallet, actor: User) -> Settlement:
    """The investor pays a subscription of a DvP offering in the cash token from `wallet`:
    a primary Settlement awaiting the investor's authorization."""
    raise NotImplementedError
