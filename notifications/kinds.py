"""What a notification can say: one kind per state change, each with a translated subject and
body. Bodies take named parameters from the notification's params (plain strings and
numbers, already formatted for people: amounts in units or currency, never base units).
A kind with outcomes (approved / rejected) has one text per outcome (params["outcome"])."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SIGN_UP = "sign_up", _("Welcome")
    ISSUER_SUBMITTED = "issuer_submitted", _("Issuer application submitted")
    ISSUER_DECIDED = "issuer_decided", _("Issuer application decided")
    KYC_DECIDED = "kyc_decided", _("Verification decided")
    KYC_MORE_INFO = "kyc_more_info", _("More information requested")
    SUBSCRIPTION_RECEIVED = "subscription_received", _("New subscription")
    SUBSCRIPTION_ACCEPTED = "subscription_accepted", _("Subscription accepted")
    SUBSCRIPTION_SETTLED = "subscription_settled", _("Subscription settled")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    TRADE_SETTLED = "trade_settled", _("Trade settled")
    BREAK_FOUND = "break_found", _("Reconciliation break")
    ACTION_FAILED = "action_failed", _("Chain action failed")
    STAFF_INVITED = "staff_invited", _("Staff invitation")


@dataclass(frozen=True)
class Text:
    subject: object
    body: object


TEXTS: dict[tuple[str, str], Text] = {
    (Kind.SIGN_UP, ""): Text(
        _("Welcome to Shoken"),
        _("Your account %(email)s is ready. Open your dashboard to see the next step.")),
    (Kind.ISSUER_SUBMITTED, ""): Text(
        _("Issuer application to review: %(issuer)s"),
        _("%(issuer)s submitted its issuer application. Please review it.")),
    (Kind.ISSUER_DECIDED, "approved"): Text(
        _("Your issuer application was approved"),
        _("The issuer application of %(issuer)s was approved. You can now create securities and offerings.")),
    (Kind.ISSUER_DECIDED, "rejected"): Text(
        _("Your issuer application was rejected"),
        _("The issuer application of %(issuer)s was rejected. Reason: %(reason)s")),
    (Kind.KYC_DECIDED, "approved"): Text(
        _("Your identity verification was approved"),
        _("Your identity verification was approved. You can now subscribe to offerings.")),
    (Kind.KYC_DECIDED, "rejected"): Text(
        _("Your identity verification was rejected"),
        _("Your identity verification was rejected. Reason: %(reason)s")),
    (Kind.KYC_MORE_INFO, ""): Text(
        _("More information is needed for your verification"),
        _("Compliance needs more information to verify your identity: %(reason)s")),
    (Kind.SUBSCRIPTION_RECEIVED, ""): Text(
        _("New subscription to %(offering)s"),
        _("%(investor)s subscribed for %(units)s units of %(offering)s.")),
    (Kind.SUBSCRIPTION_ACCEPTED, ""): Text(
        _("Your subscription to %(offering)s was accepted"),
        _("Your subscription for %(units)s units of %(offering)s was accepted.")),
    (Kind.SUBSCRIPTION_SETTLED, ""): Text(
        _("Your subscription to %(offering)s was settled"),
        _("%(units)s units of %(security)s were issued to you for your subscription to %(offering)s.")),
    (Kind.PAYMENT_RECEIVED, ""): Text(
        _("Payment received: %(security)s"),
        _("You received %(amount)s for %(action)s of %(security)s.")),
    (Kind.TRADE_SETTLED, ""): Text(
        _("Trade settled: %(security)s"),
        _("Your trade of %(units)s units of %(security)s for %(amount)s was settled.")),
    (Kind.BREAK_FOUND, ""): Text(
        _("Reconciliation break found: %(security)s"),
        _("The chain and the register disagree for %(security)s at %(wallet)s. Please investigate.")),
    (Kind.ACTION_FAILED, ""): Text(
        _("A chain action failed: %(action)s"),
        _("The chain action %(action)s failed and needs attention: %(error)s")),
    (Kind.STAFF_INVITED, ""): Text(
        _("You are invited to join the Shoken staff"),
        _("You are invited to join the Shoken staff as %(role)s. Open the link to accept.")),
}


class _Blank(dict):
    """Missing parameters render as nothing rather than failing a page or an e-mail."""

    def __missing__(self, key: str) -> str:
        return ""


def text_for(kind: str, params: dict | None) -> tuple[str, str]:
    """(subject, body) in the active language."""
    params = params or {}
    text = TEXTS.get((kind, str(params.get("outcome", "")))) or TEXTS.get((kind, ""))
    if text is None:
        label = Kind(kind).label if kind in Kind.values else _("Notification")
        return str(label), ""
    values = _Blank({key: value for key, value in params.items() if isinstance(value, str | int | float)})
    return str(text.subject) % values, str(text.body) % values
