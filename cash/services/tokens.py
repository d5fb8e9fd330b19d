"""The trust bank and its cash tokens: one approved Issuer (the trust bank's organization),
and per currency a Security of kind cash, its control book, its trust account and the
token.deploy outbox row."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.outbox import outbox_put
from issuance.models import Issuer, Security
from issuance.models.securities import CASH_DECIMALS
from issuance.services.offerings import deploy_payload
from ledger.models import ControlBook

from ..amounts import clean_currency
from ..models import TrustAccount

#: pg_advisory_xact_lock key: one creator of the trust bank and its tokens at a time.
_TRUST_BANK_LOCK = 0x5348_4B43_4153_48  # "SHKCASH"


def _trust_bank_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TRUST_BANK_LOCK])


def trust_bank_issuer() -> Issuer | None:
    """The trust bank's Issuer, once a cash token exists."""
    account = TrustAccount.objects.select_related("security__issuer").order_by("id").first()
    return account.security.issuer if account is not None else None


def _trust_bank_create(actor: User) -> Issuer:
    name = settings.CASH_TRUST_BANK_NAME
    organization = Organization.objects.create(name=name)
    issuer = Issuer.objects.create(
        organization=organization, legal_name=name, registration_number="trust-bank", jurisdiction="JP",
        address="Marunouchi, Chiyoda-ku, Tokyo", representatives=actor.full_name or actor.email,
        status=Issuer.Status.APPROVED, decided_by=actor, decided_at=timezone.now(), submitted_at=timezone.now(),
    )
    audit_record(action="cash.trust_bank_created", actor=actor, obj=issuer, new={"name": name})
    return issuer


def trust_bank_join(user: User) -> None:
    """Make a cash agent a member of the trust bank's organization (inside the caller's
    transaction), so that the token controls of the policy table (freeze, pause) reach the
    cash tokens, which are the trust bank's own objects, and nothing else."""
    issuer = trust_bank_issuer()
    if issuer is None:
        return
    _membership, created = Membership.objects.get_or_create(
        user=user, organization_id=issuer.organization_id, defaults={"role": Membership.Role.ADMIN})
    if created:
        audit_record(action="cash.agent_joined", actor=user, obj=issuer.organization, new={"user": user.pk})


def token_symbol(currency: str) -> str:
    return f"{currency}TC"


@transaction.atomic(durable=True)
def cash_token_create(*, currency: str, actor: User) -> TrustAccount:
    """The cash token of `currency` (cash agent): the trust bank's issuer on first use, the
    Security (kind cash, decimals of the currency), its control book, the trust account, and
    the token.deploy outbox row. Asking again for a currency returns its trust account."""
    policy_ensure(actor, Action.CASH_TOKEN_CREATE)
    currency = clean_currency(currency)
    _trust_bank_lock()
    account = TrustAccount.objects.filter(currency=currency).first()
    if account is None:
        issuer = trust_bank_issuer() or _trust_bank_create(actor)
        security = Security.objects.create(
            issuer=issuer, kind=Security.Kind.CASH, name=f"{issuer.legal_name} {currency} Trust Coin",
            symbol=token_symbol(currency), currency=currency, decimals=CASH_DECIMALS[currency], created_by=actor,
        )
        ControlBook.objects.create(security=security)
        account = TrustAccount.objects.create(
            currency=currency, security=security,
            bank_account=settings.CASH_TRUST_BANK_ACCOUNTS.get(currency, f"{issuer.legal_name} {currency} trust"))
        outbox_put(deploy_payload(security), idempotency_key=f"cash:{currency}:deploy")
        Security.objects.filter(pk=security.pk).update(deploy_requested_at=timezone.now())
        audit_record(action="cash.token_created", actor=actor, obj=account,
                     new={"currency": currency, "security": security.pk, "symbol": security.symbol})
    trust_bank_join(actor)
    return account
