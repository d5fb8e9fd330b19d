"""The one call each deciding service makes to tell the people concerned, inside its own
transaction. Objects of higher apps arrive as arguments (duck-typed: this app never imports
them); links are URL names. Each event id names one happening, so a retried or repeated call
adds nothing."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import Role

from .kinds import Kind
from .selectors import organization_admin_ids, staff_ids
from .services import notify, notify_each


def on_user_signed_up(sender, *, user, **kwargs) -> None:
    """accounts.signals.user_signed_up: the welcome."""
    notify(event=f"user.signed_up:{user.pk}", recipients=[user], kind=Kind.SIGN_UP,
           params={"email": user.email}, link=reverse("accounts:dashboard"))


def _stamp(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def issuer_submitted(issuer, *, at) -> int:
    """To the compliance officers: an application (or a resubmission, `at` tells them apart) to review."""
    return notify(event=f"issuer.submitted:{issuer.pk}:{_stamp(at)}", recipients=staff_ids(role=Role.COMPLIANCE),
                  kind=Kind.ISSUER_SUBMITTED, params={"issuer": issuer.legal_name or str(issuer)},
                  link=reverse("issuance:issuer-review", args=[issuer.pk]))


def issuer_decided(issuer, *, outcome: str, reason: str = "", at) -> int:
    """To the issuer's admins: approved or rejected (with the reason)."""
    return notify(event=f"issuer.decided:{issuer.pk}:{_stamp(at)}",
                  recipients=organization_admin_ids(organization_id=issuer.organization_id),
                  kind=Kind.ISSUER_DECIDED, params={"issuer": issuer.legal_name or str(issuer), "outcome": outcome,
                                                    "reason": reason},
                  link=reverse("issuance:home"))


def kyc_decided(review, *, investor_id: int, outcome: str, reason: str = "") -> int:
    """To the investor: their review was approved or rejected."""
    return notify(event=f"kyc.decided:{review.pk}", recipients=[investor_id], kind=Kind.KYC_DECIDED,
                  params={"outcome": outcome, "reason": reason if outcome != "approved" else ""},
                  link=reverse("investors:profile"))


def kyc_more_info(review, *, investor_id: int, reason: str) -> int:
    """To the investor: what compliance needs before deciding."""
    return notify(event=f"kyc.more_info:{review.pk}", recipients=[investor_id], kind=Kind.KYC_MORE_INFO,
                  params={"reason": reason}, link=reverse("investors:profile"))


def _subscription_params(sub, units: str) -> dict:
    offering = sub.offering
    return {"offering": offering.title, "security": str(offering.security.name), "units": units,
            "investor": sub.investor.get_full_name()}


def subscription_received(sub, *, units: str) -> int:
    """To the issuer's admins: a new subscription to one of their offerings."""
    admins = organization_admin_ids(organization_id=sub.offering.security.issuer.organization_id)
    return notify(event=f"subscription.created:{sub.pk}", recipients=admins,
                  kind=Kind.SUBSCRIPTION_RECEIVED, params=_subscription_params(sub, units),
                  link=reverse("issuance:offering", args=[sub.offering_id]))


def subscription_accepted(sub, *, units: str) -> int:
    """To the investor: the issuer accepted their subscription."""
    return notify(event=f"subscription.accepted:{sub.pk}", recipients=[sub.investor_id],
                  kind=Kind.SUBSCRIPTION_ACCEPTED, params=_subscription_params(sub, units),
                  link=reverse("issuance:my-subscription", args=[sub.pk]))


def subscription_settled(sub, *, units: str) -> int:
    """To the investor: their tokens were issued (by the issuer's settlement or by DvP)."""
    return subscriptions_settled([(sub, units)])


def subscriptions_settled(settled) -> int:
    """subscription_settled for several (subscription, units) at once (one insert)."""
    return notify_each(kind=Kind.SUBSCRIPTION_SETTLED, items=[
        (f"subscription.settled:{sub.pk}", sub.investor_id, _subscription_params(sub, units),
         reverse("issuance:my-subscription", args=[sub.pk])) for sub, units in settled])


def trade_settled(settlement, *, party_ids, security: str, units: str, amount: str) -> int:
    """To both parties of a settled trade."""
    return notify(event=f"trade.settled:{settlement.pk}", recipients=list(party_ids), kind=Kind.TRADE_SETTLED,
                  params={"security": security, "units": units, "amount": amount},
                  link=reverse("ledger:settlement", args=[settlement.pk]))


def break_found(brk, *, security: str, wallet: str) -> int:
    """To the operators: the reconciler found the chain and the register apart."""
    return notify(event=f"break.found:{brk.pk}", recipients=staff_ids(role=Role.OPERATOR), kind=Kind.BREAK_FOUND,
                  params={"security": security, "wallet": wallet}, link=reverse("chain:breaks"))


def action_failed(entry, *, action: str, error: str) -> int:
    """To the operators: an outbox action failed for good (reverted, or out of retries).
    One per failure: a retried action that fails again is a new event."""
    return notify(event=f"action.failed:{entry.pk}:{entry.attempts}", recipients=staff_ids(role=Role.OPERATOR),
                  kind=Kind.ACTION_FAILED, params={"action": action, "error": error[:300]},
                  link=reverse("chain:mirror"))


def payments_received(*, action_id: int, security: str, label, amounts: dict[int, str],
                      languages: dict[int, str]) -> int:
    """To each holder paid for a corporate action: one notification per holder per action,
    however many lines and batches paid them. `amounts`: holder id -> the amount in words
    (e.g. "1,500 JPY"); `label`: the action's kind (a lazy translation, said in each
    holder's language: `languages` holder id -> language)."""
    items = []
    for holder_id, amount in sorted(amounts.items()):
        with translation.override(languages.get(holder_id) or settings.LANGUAGE_CODE):
            action = str(label)
        items.append((f"payment.received:{action_id}:{holder_id}", holder_id,
                      {"amount": amount, "action": action, "security": security}))
    return notify_each(kind=Kind.PAYMENT_RECEIVED, items=items, link=reverse("servicing:income"))
