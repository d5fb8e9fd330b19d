"""The rule engine: pure functions over facts, no database, no clock of their own.

Every verdict carries a machine-readable code equal to the token contract's ERC-1404
restriction code (platform/src/RestrictionCodes.sol), so the register's pre-check and the
chain's check speak the same language. Extra codes the chain cannot know (KYC not approved,
below a minimum) sit above 100.

Callers build the facts (compliance.selectors / issuance / ledger) and act on the verdict:

    verdict = check_issue(investor=facts, rules=security_rules, holding=h, amount=units, today=today)
    if not verdict.allowed:
        raise ApplicationError(verdict.message, code=verdict.reason)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum


class Code(IntEnum):
    # Same numbers as the contract's RestrictionCodes: never renumber, only append.
    SUCCESS = 0
    PAUSED = 1
    FROM_NOT_REGISTERED = 2
    TO_NOT_REGISTERED = 3
    FROM_KYC_EXPIRED = 4
    TO_KYC_EXPIRED = 5
    FROM_FROZEN = 6
    TO_FROZEN = 7
    INSUFFICIENT_FREE_BALANCE = 8
    LOCKED_UP = 9
    COUNTRY_NOT_ALLOWED = 10
    NOT_ACCREDITED = 11
    NOT_QUALIFIED = 12
    MAX_BALANCE_EXCEEDED = 13
    MAX_HOLDERS_REACHED = 14
    # Off-chain only.
    KYC_NOT_APPROVED = 101
    INVESTOR_TYPE_NOT_ALLOWED = 102
    BELOW_MIN_HOLDING = 103
    INVALID_AMOUNT = 104


MESSAGES = {
    Code.SUCCESS: "Allowed.",
    Code.PAUSED: "The token is paused.",
    Code.FROM_NOT_REGISTERED: "The sender's wallet is not registered.",
    Code.TO_NOT_REGISTERED: "The recipient's wallet is not registered.",
    Code.FROM_KYC_EXPIRED: "The sender's KYC has expired.",
    Code.TO_KYC_EXPIRED: "The recipient's KYC has expired.",
    Code.FROM_FROZEN: "The sender's wallet is frozen.",
    Code.TO_FROZEN: "The recipient's wallet is frozen.",
    Code.INSUFFICIENT_FREE_BALANCE: "The amount exceeds the free (unfrozen, unlocked) balance.",
    Code.LOCKED_UP: "The tokens are still in their lock-up period.",
    Code.COUNTRY_NOT_ALLOWED: "The investor's country is not allowed for this security.",
    Code.NOT_ACCREDITED: "Only accredited investors may hold this security.",
    Code.NOT_QUALIFIED: "Only qualified or professional investors may hold this security.",
    Code.MAX_BALANCE_EXCEEDED: "The investor's holding would exceed the maximum allowed.",
    Code.MAX_HOLDERS_REACHED: "The maximum number of holders has been reached.",
    Code.KYC_NOT_APPROVED: "The investor's KYC is not approved.",
    Code.INVESTOR_TYPE_NOT_ALLOWED: "This investor type may not hold this security.",
    Code.BELOW_MIN_HOLDING: "The holding would be below the minimum allowed.",
    Code.INVALID_AMOUNT: "Enter an amount greater than zero.",
}


class InvestorType:
    RETAIL = "retail"
    ACCREDITED = "accredited"
    QUALIFIED = "qualified"
    PROFESSIONAL = "professional"
    ALL = (RETAIL, ACCREDITED, QUALIFIED, PROFESSIONAL)


@dataclass(frozen=True)
class InvestorFacts:
    """What the rules need to know about one investor (and, for transfers, one wallet)."""

    investor_id: int
    kyc_approved: bool
    kyc_expires_on: date | None
    country: str                  # ISO 3166-1 alpha-2
    investor_type: str            # one of InvestorType.ALL
    accredited: bool = False
    qualified: bool = False       # qualified or professional
    wallet_registered: bool = True
    wallet_frozen: bool = False


@dataclass(frozen=True)
class SecurityRules:
    """A security's rule settings (issuance.Security builds this)."""

    allowed_countries: frozenset[str] = frozenset()   # empty = any country not blocked
    blocked_countries: frozenset[str] = frozenset()
    investor_types: frozenset[str] = frozenset(InvestorType.ALL)
    accredited_only: bool = False
    qualified_only: bool = False
    min_holding: int = 0                              # base units; 0 = none
    max_holding: int = 0                              # base units; 0 = none
    max_holders: int = 0                              # counted by investor; 0 = none
    lockup_until: date | None = None
    paused: bool = False


@dataclass(frozen=True)
class HoldingFacts:
    """The register's view of one investor's position in one security."""

    balance: int = 0              # all wallets of the investor
    free_balance: int = 0         # not frozen, for the wallet being debited
    holder_count: int = 0         # investors with a non-zero balance in the security


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    code: Code = Code.SUCCESS
    reasons: tuple[Code, ...] = field(default_factory=tuple)

    @property
    def reason(self) -> str:
        """Machine-readable code for ApplicationError: e.g. 'country_not_allowed'."""
        return self.code.name.lower()

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


def _verdict(reasons: list[Code]) -> Verdict:
    if not reasons:
        return Verdict(True)
    # Off-chain codes have no from/to variant (both sides unapproved): list each code once.
    unique = tuple(dict.fromkeys(reasons))
    return Verdict(False, unique[0], unique)


def _investor_reasons(investor: InvestorFacts, rules: SecurityRules, today: date, *, side: str) -> list[Code]:
    reasons: list[Code] = []
    if not investor.kyc_approved:
        reasons.append(Code.KYC_NOT_APPROVED)
    elif investor.kyc_expires_on is not None and investor.kyc_expires_on < today:
        reasons.append(Code.TO_KYC_EXPIRED if side == "to" else Code.FROM_KYC_EXPIRED)
    if not investor.wallet_registered:
        reasons.append(Code.TO_NOT_REGISTERED if side == "to" else Code.FROM_NOT_REGISTERED)
    if investor.wallet_frozen:
        reasons.append(Code.TO_FROZEN if side == "to" else Code.FROM_FROZEN)
    return reasons


def _holder_reasons(investor: InvestorFacts, rules: SecurityRules) -> list[Code]:
    reasons: list[Code] = []
    if investor.country in rules.blocked_countries or (
        rules.allowed_countries and investor.country not in rules.allowed_countries
    ):
        reasons.append(Code.COUNTRY_NOT_ALLOWED)
    if investor.investor_type not in rules.investor_types:
        reasons.append(Code.INVESTOR_TYPE_NOT_ALLOWED)
    if rules.accredited_only and not investor.accredited:
        reasons.append(Code.NOT_ACCREDITED)
    if rules.qualified_only and not investor.qualified:
        reasons.append(Code.NOT_QUALIFIED)
    return reasons


def check_eligibility(*, investor: InvestorFacts, rules: SecurityRules, today: date) -> Verdict:
    """May this investor hold this security at all? (Offer pages list the reasons.)"""
    facts = InvestorFacts(**{**investor.__dict__, "wallet_registered": True, "wallet_frozen": False})
    return _verdict(_investor_reasons(facts, rules, today, side="to") + _holder_reasons(investor, rules))


def _receiving_reasons(holding: HoldingFacts, rules: SecurityRules, amount: int) -> list[Code]:
    reasons: list[Code] = []
    new_balance = holding.balance + amount
    if rules.max_holding and new_balance > rules.max_holding:
        reasons.append(Code.MAX_BALANCE_EXCEEDED)
    if rules.min_holding and new_balance < rules.min_holding:
        reasons.append(Code.BELOW_MIN_HOLDING)
    if rules.max_holders and holding.balance == 0 and holding.holder_count >= rules.max_holders:
        reasons.append(Code.MAX_HOLDERS_REACHED)
    return reasons


def check_issue(*, investor: InvestorFacts, rules: SecurityRules, holding: HoldingFacts, amount: int,
                today: date) -> Verdict:
    """May `amount` base units be issued to this investor's wallet?"""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return _verdict([Code.INVALID_AMOUNT])
    reasons = [Code.PAUSED] if rules.paused else []
    reasons += _investor_reasons(investor, rules, today, side="to") + _holder_reasons(investor, rules)
    reasons += _receiving_reasons(holding, rules, amount)
    return _verdict(reasons)


def check_transfer(
    *,
    sender: InvestorFacts,
    receiver: InvestorFacts,
    rules: SecurityRules,
    sender_holding: HoldingFacts,
    receiver_holding: HoldingFacts,
    amount: int,
    today: date,
) -> Verdict:
    """May `amount` move from the sender's wallet to the receiver's? Checks in the same
    order as the contract's detectTransferRestriction, so the first code matches it."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        return _verdict([Code.INVALID_AMOUNT])
    reasons = [Code.PAUSED] if rules.paused else []
    reasons += _investor_reasons(sender, rules, today, side="from")
    reasons += _investor_reasons(receiver, rules, today, side="to")
    if amount > sender_holding.free_balance:
        reasons.append(Code.INSUFFICIENT_FREE_BALANCE)
    if rules.lockup_until is not None and today < rules.lockup_until:
        reasons.append(Code.LOCKED_UP)
    reasons += _holder_reasons(receiver, rules)
    if sender.investor_id != receiver.investor_id:
        receiving = _receiving_reasons(receiver_holding, rules, amount)
        if sender_holding.balance == amount and Code.MAX_HOLDERS_REACHED in receiving:
            receiving.remove(Code.MAX_HOLDERS_REACHED)  # the sender leaves: the count stays put
        reasons += receiving
        if rules.min_holding and 0 < sender_holding.balance - amount < rules.min_holding:
            reasons.append(Code.BELOW_MIN_HOLDING)
    return _verdict(reasons)


def transferable_now(*, sender: InvestorFacts, rules: SecurityRules, sender_holding: HoldingFacts,
                     today: date) -> tuple[int, tuple[Code, ...]]:
    """How much this wallet can transfer right now, and why not more (for the pre-check page)."""
    blockers = [Code.PAUSED] if rules.paused else []
    blockers += _investor_reasons(sender, rules, today, side="from")
    if rules.lockup_until is not None and today < rules.lockup_until:
        blockers.append(Code.LOCKED_UP)
    if blockers:
        return 0, tuple(blockers)
    return sender_holding.free_balance, ()
