"""The rule engine, rule by rule, then properties with hypothesis."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.rules import (
    MESSAGES,
    Code,
    HoldingFacts,
    InvestorFacts,
    InvestorType,
    SecurityRules,
    check_eligibility,
    check_issue,
    check_transfer,
    transferable_now,
)

TODAY = date(2026, 6, 1)
ALICE = InvestorFacts(investor_id=1, kyc_approved=True, kyc_expires_on=TODAY + timedelta(days=30), country="JP",
                      investor_type=InvestorType.RETAIL)
BOB = replace(ALICE, investor_id=2, country="US", investor_type=InvestorType.ACCREDITED, accredited=True)
OPEN = SecurityRules()
RICH = HoldingFacts(balance=1000, free_balance=1000, holder_count=2)
NONE = HoldingFacts(balance=0, free_balance=0, holder_count=2)


def transfer(sender=ALICE, receiver=BOB, rules=OPEN, s=RICH, r=NONE, amount=10, today=TODAY):
    return check_transfer(sender=sender, receiver=receiver, rules=rules, sender_holding=s, receiver_holding=r,
                          amount=amount, today=today)


def issue(investor=ALICE, rules=OPEN, holding=NONE, amount=10, today=TODAY):
    return check_issue(investor=investor, rules=rules, holding=holding, amount=amount, today=today)


def test_codes_match_the_contract_numbers():
    assert [c.value for c in Code if c < 100] == list(range(15))
    assert set(MESSAGES) == set(Code)


def test_plain_transfer_and_issue_are_allowed():
    assert transfer().allowed and transfer().code == Code.SUCCESS and transfer().reason == "success"
    assert issue().allowed


def test_paused():
    assert transfer(rules=SecurityRules(paused=True)).code == Code.PAUSED
    assert issue(rules=SecurityRules(paused=True)).code == Code.PAUSED


def test_unregistered_wallets():
    assert transfer(sender=replace(ALICE, wallet_registered=False)).code == Code.FROM_NOT_REGISTERED
    assert transfer(receiver=replace(BOB, wallet_registered=False)).code == Code.TO_NOT_REGISTERED
    assert issue(investor=replace(ALICE, wallet_registered=False)).code == Code.TO_NOT_REGISTERED


def test_kyc_expired_is_inclusive_of_the_expiry_day():
    assert transfer(sender=replace(ALICE, kyc_expires_on=TODAY)).allowed
    assert transfer(sender=replace(ALICE, kyc_expires_on=TODAY - timedelta(days=1))).code == Code.FROM_KYC_EXPIRED
    assert transfer(receiver=replace(BOB, kyc_expires_on=TODAY - timedelta(days=1))).code == Code.TO_KYC_EXPIRED


def test_kyc_not_approved():
    verdict = issue(investor=replace(ALICE, kyc_approved=False))
    assert not verdict.allowed and verdict.code == Code.KYC_NOT_APPROVED and verdict.reason == "kyc_not_approved"


def test_frozen_wallets():
    assert transfer(sender=replace(ALICE, wallet_frozen=True)).code == Code.FROM_FROZEN
    assert transfer(receiver=replace(BOB, wallet_frozen=True)).code == Code.TO_FROZEN


def test_insufficient_free_balance():
    assert transfer(s=HoldingFacts(balance=1000, free_balance=5)).code == Code.INSUFFICIENT_FREE_BALANCE


def test_lockup_applies_to_transfers_not_to_issue():
    rules = SecurityRules(lockup_until=TODAY + timedelta(days=1))
    assert transfer(rules=rules).code == Code.LOCKED_UP
    assert transfer(rules=rules, today=TODAY + timedelta(days=1)).allowed
    assert issue(rules=rules).allowed


def test_country_allow_and_block_lists():
    assert transfer(rules=SecurityRules(allowed_countries=frozenset({"JP"}))).code == Code.COUNTRY_NOT_ALLOWED
    assert transfer(rules=SecurityRules(blocked_countries=frozenset({"US"}))).code == Code.COUNTRY_NOT_ALLOWED
    assert transfer(rules=SecurityRules(allowed_countries=frozenset({"US"}))).allowed


def test_accredited_and_qualified_only():
    assert issue(rules=SecurityRules(accredited_only=True)).code == Code.NOT_ACCREDITED
    assert issue(investor=BOB, rules=SecurityRules(accredited_only=True)).allowed
    assert issue(rules=SecurityRules(qualified_only=True)).code == Code.NOT_QUALIFIED
    assert issue(investor=replace(ALICE, qualified=True), rules=SecurityRules(qualified_only=True)).allowed


def test_investor_type_not_allowed():
    rules = SecurityRules(investor_types=frozenset({InvestorType.PROFESSIONAL}))
    assert issue(rules=rules).code == Code.INVESTOR_TYPE_NOT_ALLOWED


def test_max_balance():
    rules = SecurityRules(max_holding=100)
    assert issue(rules=rules, amount=100).allowed
    assert issue(rules=rules, amount=101).code == Code.MAX_BALANCE_EXCEEDED
    assert transfer(rules=rules, r=HoldingFacts(balance=95), amount=10).code == Code.MAX_BALANCE_EXCEEDED


def test_max_holders_counts_new_holders_only():
    rules = SecurityRules(max_holders=2)
    assert issue(rules=rules, holding=NONE).code == Code.MAX_HOLDERS_REACHED
    assert issue(rules=rules, holding=HoldingFacts(balance=5, holder_count=2)).allowed
    # The sender leaves with everything: the count does not grow.
    assert transfer(rules=rules, s=HoldingFacts(balance=10, free_balance=10, holder_count=2), amount=10).allowed
    assert transfer(rules=rules, amount=10).code == Code.MAX_HOLDERS_REACHED


def test_min_holding_for_both_sides():
    rules = SecurityRules(min_holding=50)
    assert issue(rules=rules, amount=10).code == Code.BELOW_MIN_HOLDING
    assert issue(rules=rules, amount=50).allowed
    assert (transfer(rules=rules, s=HoldingFacts(balance=100, free_balance=100), amount=60).code
            == Code.BELOW_MIN_HOLDING)
    assert transfer(rules=rules, s=HoldingFacts(balance=100, free_balance=100), amount=100).allowed


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, "10"])
def test_invalid_amounts(amount):
    assert issue(amount=amount).code == Code.INVALID_AMOUNT
    assert transfer(amount=amount).code == Code.INVALID_AMOUNT


def test_transfer_to_self_skips_receiving_limits():
    rules = SecurityRules(max_holding=100)
    assert transfer(receiver=ALICE, rules=rules, r=RICH, amount=10).allowed


def test_first_code_follows_the_contract_order():
    verdict = transfer(sender=replace(ALICE, wallet_frozen=True), receiver=replace(BOB, wallet_registered=False),
                       rules=SecurityRules(paused=True))
    assert verdict.code == Code.PAUSED
    assert verdict.reasons == (Code.PAUSED, Code.FROM_FROZEN, Code.TO_NOT_REGISTERED)


def test_eligibility_ignores_wallet_state():
    assert check_eligibility(investor=replace(ALICE, wallet_registered=False, wallet_frozen=True), rules=OPEN,
                             today=TODAY).allowed
    assert (check_eligibility(investor=ALICE, rules=SecurityRules(accredited_only=True), today=TODAY).code
            == Code.NOT_ACCREDITED)


def test_transferable_now():
    assert transferable_now(sender=ALICE, rules=OPEN, sender_holding=HoldingFacts(balance=10, free_balance=7),
                            today=TODAY) == (7, ())
    assert transferable_now(sender=ALICE, rules=SecurityRules(paused=True), sender_holding=RICH,
                            today=TODAY) == (0, (Code.PAUSED,))


# -- properties ---------------------------------------------------------------------------

countries = st.sampled_from(["JP", "US", "SG", "KP", "DE"])
investors = st.builds(
    InvestorFacts,
    investor_id=st.integers(1, 5), kyc_approved=st.booleans(),
    kyc_expires_on=st.one_of(st.none(), st.dates(TODAY - timedelta(days=3), TODAY + timedelta(days=3))),
    country=countries, investor_type=st.sampled_from(InvestorType.ALL), accredited=st.booleans(),
    qualified=st.booleans(), wallet_registered=st.booleans(), wallet_frozen=st.booleans(),
)
rules_st = st.builds(
    SecurityRules,
    allowed_countries=st.frozensets(countries, max_size=3), blocked_countries=st.frozensets(countries, max_size=2),
    investor_types=st.frozensets(st.sampled_from(InvestorType.ALL), min_size=1),
    accredited_only=st.booleans(), qualified_only=st.booleans(), min_holding=st.integers(0, 100),
    max_holding=st.integers(0, 1000), max_holders=st.integers(0, 5),
    lockup_until=st.one_of(st.none(), st.dates(TODAY - timedelta(days=3), TODAY + timedelta(days=3))),
    paused=st.booleans(),
)
holdings = st.builds(HoldingFacts, balance=st.integers(0, 1000), free_balance=st.integers(0, 1000),
                     holder_count=st.integers(0, 6))
amounts = st.integers(-5, 1200)


@given(investors, investors, rules_st, holdings, holdings, amounts)
def test_verdict_is_consistent(sender, receiver, rules, sh, rh, amount):
    verdict = check_transfer(sender=sender, receiver=receiver, rules=rules, sender_holding=sh, receiver_holding=rh,
                             amount=amount, today=TODAY)
    assert verdict.allowed == (verdict.code == Code.SUCCESS) == (verdict.reasons == ())
    if not verdict.allowed:
        assert verdict.code == verdict.reasons[0] and len(set(verdict.reasons)) == len(verdict.reasons)
        assert verdict.message == MESSAGES[verdict.code]


@given(investors, rules_st, holdings, amounts)
def test_an_allowed_issue_satisfies_every_rule(investor, rules, holding, amount):
    verdict = check_issue(investor=investor, rules=rules, holding=holding, amount=amount, today=TODAY)
    if verdict.allowed:
        assert amount > 0 and not rules.paused and investor.kyc_approved and investor.wallet_registered
        assert not investor.wallet_frozen and investor.investor_type in rules.investor_types
        assert investor.country not in rules.blocked_countries
        assert not rules.allowed_countries or investor.country in rules.allowed_countries
        assert not rules.max_holding or holding.balance + amount <= rules.max_holding
        assert not rules.accredited_only or investor.accredited
        assert not rules.qualified_only or investor.qualified


@given(investors, investors, rules_st, holdings, holdings, amounts)
def test_tightening_a_rule_never_turns_a_refusal_into_an_allowance(sender, receiver, rules, sh, rh, amount):
    def check(r):
        return check_transfer(sender=sender, receiver=receiver, rules=r, sender_holding=sh, receiver_holding=rh,
                              amount=amount, today=TODAY)

    loose = check(rules)
    for tighter in (replace(rules, paused=True), replace(rules, accredited_only=True),
                    replace(rules, qualified_only=True),
                    replace(rules, blocked_countries=rules.blocked_countries | {receiver.country})):
        assert not (check(tighter).allowed and not loose.allowed)
    assert not check(replace(rules, paused=True)).allowed


@given(investors, rules_st, holdings)
def test_transferable_now_is_zero_when_blocked_and_never_above_free(sender, rules, holding):
    amount, blockers = transferable_now(sender=sender, rules=rules, sender_holding=holding, today=TODAY)
    assert 0 <= amount <= holding.free_balance
    assert (amount == 0) or not blockers


@given(investors, rules_st)
def test_eligibility_agrees_with_issue_on_investor_rules(investor, rules):
    eligible = check_eligibility(investor=investor, rules=rules, today=TODAY)
    ready = replace(investor, wallet_registered=True, wallet_frozen=False)
    issued = check_issue(investor=ready,
                         rules=replace(rules, paused=False, max_holding=0, min_holding=0, max_holders=0),
                         holding=HoldingFacts(), amount=1, today=TODAY)
    assert eligible.allowed == issued.allowed
