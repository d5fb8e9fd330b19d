"""Telling people what the paying agent could not do: the paying account is short of cash on
a payment date. The issuer's admins and the operators get an e-mail (each in their language),
an audit event is written and the action remembers the business date (funds_short_on, the
banner on the pages): at most once per business day per action, however often the sweep runs."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from cash.amounts import money_of
from core.audit import audit_record
from core.clock import business_today
from issuance.models import Security

from ..models import CorporateAction

logger = logging.getLogger(__name__)


def funds_short_recipients(action: CorporateAction) -> list[User]:
    """The issuer's admins and every operator (active accounts), each once."""
    admins = Membership.objects.filter(organization_id=action.security.issuer.organization_id,
                                       role=Membership.Role.ADMIN).values("user_id")
    return list(User.objects.filter(Q(pk__in=admins) | Q(role=Role.OPERATOR), is_active=True).order_by("id"))


def _message(action: CorporateAction, needed: str, available: str) -> tuple[str, str]:
    security = action.security
    subject = _("Paying account short: %(security)s %(kind)s of %(day)s") % {
        "security": security.symbol, "kind": action.get_kind_display(), "day": action.payment_date}
    body = _(
        "The %(kind)s of %(security)s is due on %(day)s, but the issuer's paying account does not hold "
        "enough free cash in the cash token: %(needed)s is needed for the lines still due, %(available)s is "
        "free. Nothing has been paid. The payment runs by itself once the account holds enough; deposit "
        "the difference into the issuer's treasury wallet.") % {
        "kind": action.get_kind_display(), "security": security.name, "day": action.payment_date,
        "needed": needed, "available": available}
    return subject, body


@transaction.atomic(durable=True)
def funds_short(*, action: CorporateAction, needed: int, available: int, cash: Security) -> bool:
    """Record and tell that `action` cannot be paid: `needed` base units of `cash` for the lines
    due, `available` free in the paying account. True when told now; False when told already
    today (business date). A failing mail server is logged, not raised: the banner and the
    audit event stand, and tomorrow's first run tells again."""
    action = CorporateAction.objects.select_for_update(of=("self",)).select_related(
        "security__issuer").get(pk=action.pk)
    today = business_today()
    if action.funds_short_on == today:
        return False
    CorporateAction.objects.filter(pk=action.pk).update(funds_short_on=today)
    action.funds_short_on = today
    currency = cash.currency
    needed_text = f"{money_of(needed, currency):,} {currency}"
    available_text = f"{money_of(available, currency):,} {currency}"
    recipients = funds_short_recipients(action)
    audit_record(action="corporate_action.funds_short", obj=action,
                 new={"business_date": today.isoformat(), "needed": str(needed), "available": str(available),
                      "cash": cash.pk, "told": [user.pk for user in recipients]})
    for user in recipients:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = _message(action, needed_text, available_text)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except OSError:
            logger.exception("corporate action %s: the funds-short e-mail to user %s failed", action.pk, user.pk)
    return True
