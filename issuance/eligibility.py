"""Eligibility through the rule engine only: facts about the investor come from
compliance.selectors.investor_facts_for, the security's rules from Security.rules(), and
the holding from this offering side (active subscriptions; the register's positions join
with the ledger, which sits above this app)."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from compliance import rules
from compliance import selectors as compliance_selectors
from compliance.codes import describe

from .models import Security, Subscription


def investor_facts(user) -> rules.InvestorFacts:
    return compliance_selectors.investor_facts_for(user=user)


def holding_facts(*, user, security: Security) -> rules.HoldingFacts:
    active = Subscription.objects.filter(offering__security=security, status__in=Subscription.ACTIVE)
    balance = active.filter(investor=user).aggregate(s=Sum("units"))["s"] or 0
    holders = active.values("investor").distinct().count()
    return rules.HoldingFacts(balance=int(balance), free_balance=int(balance), holder_count=holders)


def eligibility_for(*, user, security: Security, today: date) -> rules.Verdict:
    return rules.check_eligibility(investor=investor_facts(user), rules=security.rules(), today=today)


def issue_verdict(*, user, security: Security, units: int, today: date) -> rules.Verdict:
    return rules.check_issue(
        investor=investor_facts(user), rules=security.rules(),
        holding=holding_facts(user=user, security=security), amount=units, today=today,
    )


def reason_messages(verdict: rules.Verdict) -> list[str]:
    """The verdict's reasons as sentences in the active language (compliance.codes)."""
    return [describe(code) for code in verdict.reasons]
