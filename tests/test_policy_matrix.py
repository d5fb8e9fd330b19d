"""The role x action policy (accounts/policy.py), tested from the table itself: every action
is exercised through its real service by every kind of actor (and by an admin of another
organization). A pair the table allows must succeed and change what the action changes; a
refused pair must raise the table's error (status and code) and change nothing (no row, no
audit event other than `access_denied`, no token action, no outbox row).

EXERCISES is the registry of "how to take action X": `setup(env)` builds what the action
needs (as an issuer admin would, through the services where that is cheap) and returns a
context, `run(ctx, actor)` calls the service, `state(ctx)` reads what the action changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import staff
from accounts.models import Membership, Role, StaffInvitation
from accounts.policy import CASH_TOKENS_ONLY, POLICY, Action, Actor, Scope
from accounts.tests.factories import MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from cash import services as cash_services
from cash.models import CashDeposit, CashWithdrawal, TrustAccount
from chain import services as chain_services
from chain.models import Break, Reconciliation
from chain.tests.factories import BreakFactory
from compliance import services as compliance_services
from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from core.errors import ApplicationError
from core.models import AuditEvent, OutboxEntry
from core.outbox import outbox_put
from core.outbox_payloads import TokenPause
from investors.models import TaxProfile
from investors.tax import tax_profile_set
from investors.tests.factories import PDF_BYTES
from issuance import services as issuance_services
from issuance.models import Issuer, Offering, OfferingDocument, Security, Subscription
from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory
from ledger import services as ledger_services
from ledger.models import ComplianceRequest, ControlBook, Position, TokenAction
from ledger.tests.factories import approved_investor
from servicing import selectors as servicing_selectors
from servicing import services as servicing_services
from servicing.models import CorporateAction, EntitlementLine
from webhooks import services as webhook_services
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

# persona fixture -> the kind the table knows it as (None: a person of another organization)
PERSONAS = {
    "issuer_admin": Actor.ISSUER_ADMIN,
    "issuer_member": Actor.ISSUER_MEMBER,
    "compliance_officer": Actor.COMPLIANCE,
    "operator": Actor.OPERATOR,
    "verified_investor": Actor.INVESTOR,
    "other_admin": None,
    "cash_agent": Actor.CASH_AGENT,   # not a member of the persona issuer: nobody on its objects
}


@dataclass(frozen=True)
class Exercise:
    setup: Callable[[SimpleNamespace], object]
    run: Callable[[object, object], object]
    state: Callable[[object], object]


def _wallet(user):
    from investors.models import Wallet

    return Wallet.objects.filter(profile__user=user, status=Wallet.Status.ACTIVE).order_by("id").first()


def _holding(env):
    """The bond with 10 units issued to the persona investor's wallet, and a second investor."""
    ledger_services.tokens_issue(security=env.bond, wallet=env.wallet, amount=10, actor=env.admin, reason="setup")
    other, wallets = approved_investor(email="taro@example.test")
    return SimpleNamespace(security=env.bond, wallet=env.wallet.address, to_wallet=wallets[0].address)


def _positions(ctx):
    return sorted(Position.objects.filter(security=ctx.security).values_list("wallet", "balance", "frozen",
                                                                             "wallet_frozen"))


def _sub(env, status):
    offering = OfferingFactory(security=env.bond, documents=False)
    return SubscriptionFactory(offering=offering, investor=env.investor, units=5, status=status)


def _status(obj):
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def _pdf(name: str = "memo.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


ISSUER_DATA = {"legal_name": "Sakura Robotics Holdings K.K.", "registration_number": "0100-01-999999",
               "jurisdiction": "JP", "address": "1-1 Marunouchi", "representatives": "Sakura Taro"}
TERMS = {"title": "Green Bond 2031", "currency": "JPY", "price": "100000", "min_subscription": "1",
         "max_subscription": "50", "target": "800", "hard_cap": "1000", "opens_on": dt.date(2026, 5, 1),
         "closes_on": dt.date(2026, 6, 30), "payment_instructions": "MUFG 1234567"}


def _member_to_promote(env):
    user = UserFactory(email="promote@issuer.test", role=Role.ISSUER)
    return MembershipFactory(user=user, organization=env.org, role=Membership.Role.MEMBER)


def _people(issuer):
    """Memberships and invitations of the issuer's organization (an invitation is a row of
    its own once accepting is the invitee's step)."""
    counts = [Membership.objects.filter(organization_id=issuer.organization_id).count()]
    try:
        invitation = apps.get_model("accounts", "Invitation")
    except LookupError:
        invitation = None
    if invitation is not None:
        counts.append(invitation.objects.filter(organization_id=issuer.organization_id).count())
    return counts


def _failed_entry(env):
    entry = outbox_put(TokenPause(security_id=env.bond.pk), idempotency_key="policy:retry")
    OutboxEntry.objects.filter(pk=entry.pk).update(status=OutboxEntry.Status.FAILED, last_error="x")
    return entry


def _forced_request(env):
    ctx = _holding(env)
    return ledger_services.forced_transfer_request(security=ctx.security, from_wallet=ctx.wallet,
                                                   to_wallet=ctx.to_wallet, amount=1, reason="court order",
                                                   actor=env.second_officer)


def _cash_deposit(env, *, minted=False):
    """A JPY deposit of the persona investor, requested (or minted) through the services."""
    agent = UserFactory(email="setup.cash@trustbank.test", role=Role.CASH_AGENT)
    cash_services.cash_token_create(currency="JPY", actor=agent)
    deposit = cash_services.deposit_request(holder=env.investor, currency="JPY", amount="500", actor=env.investor)
    if minted:
        cash_services.deposit_receipt_record(deposit=deposit, amount="500", bank_reference="B-1",
                                             value_date=dt.date(2000, 1, 3), actor=agent)
    return deposit


def _cash_withdrawal(env):
    _cash_deposit(env, minted=True)
    return cash_services.withdrawal_request(holder=env.investor, currency="JPY", amount="200", payout_details="MUFG 1",
                                            actor=env.investor)


def _treasury(env):
    from issuance.treasury import treasury_open

    _cash_deposit(env)
    treasury_open(issuer=env.issuer, actor=env.second_officer)
    return env.issuer


def _corporate_action(env, **fields):
    """A dividend-like coupon of the persona bond declared by its admin (servicing), paid off chain."""
    from core.clock import business_today

    today = business_today()
    return CorporateAction.objects.create(**{
        "security": env.bond, "kind": "coupon", "sequence": 1, "method": "offchain", "currency": "JPY",
        "declaration_date": today, "record_date": today, "ex_date": today, "payment_date": today,
        "per_unit_amount": 1000, "created_by": env.admin, **fields})


def _payable_action(env):
    """A recorded, approved off-chain coupon due today with one line (the persona investor's)."""
    action = _corporate_action(env, status="recorded", approved_by=env.second_officer, approved_at=timezone.now())
    return EntitlementLine.objects.create(action=action, investor=env.investor, wallet=env.wallet.address, units=1,
                                          gross=1000, withheld=0, net=1000)


Iss, L, C = issuance_services, ledger_services, compliance_services

EXERCISES: dict[Action, Exercise] = {
    Action.ISSUER_APPLY: Exercise(
        lambda env: Issuer.objects.filter(pk=env.issuer.pk).update(status=Issuer.Status.DRAFT) and env.issuer,
        lambda issuer, actor: Iss.issuer_save(organization=issuer.organization, actor=actor, **ISSUER_DATA),
        lambda issuer: Issuer.objects.values_list("legal_name", flat=True).get(pk=issuer.pk)),
    Action.ISSUER_DECIDE: Exercise(
        lambda env: IssuerFactory(status=Issuer.Status.SUBMITTED),
        lambda issuer, actor: Iss.issuer_approve(issuer=issuer, actor=actor),
        _status),
    Action.MEMBER_INVITE: Exercise(
        lambda env: env.issuer,
        lambda issuer, actor: Iss.member_invite(issuer=issuer, email="new@issuer.test", role="member", actor=actor),
        _people),
    Action.MEMBER_ROLE_SET: Exercise(
        _member_to_promote,
        lambda membership, actor: Iss.member_role_set(membership=membership, role="admin", actor=actor),
        lambda membership: Membership.objects.values_list("role", flat=True).get(pk=membership.pk)),
    Action.SECURITY_CREATE: Exercise(
        lambda env: env.issuer,
        lambda issuer, actor: Iss.security_create(issuer=issuer, kind="equity", name="Class A", symbol="SKRA",
                                                currency="JPY", terms={"share_class": "A", "par_value": "0",
                                                                       "authorized_shares": "1000"},
                                                rules={}, actor=actor),
        lambda issuer: Security.objects.filter(issuer=issuer).count()),
    Action.OFFERING_CREATE: Exercise(
        lambda env: env.bond,
        lambda security, actor: Iss.offering_create(security=security, data=TERMS, actor=actor),
        lambda security: Offering.objects.filter(security=security).count()),
    Action.OFFERING_DOCUMENT_ADD: Exercise(
        lambda env: OfferingFactory(security=env.bond, status=Offering.Status.DRAFT, documents=False),
        lambda offering, actor: Iss.offering_document_add(offering=offering, kind="memorandum", upload=_pdf(),
                                                        actor=actor),
        lambda offering: OfferingDocument.objects.filter(offering=offering).count()),
    Action.OFFERING_EDIT: Exercise(
        lambda env: OfferingFactory(security=env.bond, status=Offering.Status.DRAFT, documents=False),
        lambda offering, actor: Iss.offering_update(offering=offering, data={"title": "Renamed"}, actor=actor),
        lambda offering: Offering.objects.values_list("title", flat=True).get(pk=offering.pk)),
    Action.OFFERING_PUBLISH: Exercise(
        lambda env: OfferingFactory(security=env.bond, status=Offering.Status.DRAFT),
        lambda offering, actor: Iss.offering_publish(offering=offering, actor=actor),
        _status),
    Action.OFFERING_CLOSE: Exercise(
        lambda env: OfferingFactory(security=env.bond, documents=False),
        lambda offering, actor: Iss.offering_close(offering=offering, actor=actor),
        _status),
    Action.OFFERING_CANCEL: Exercise(
        lambda env: OfferingFactory(security=env.bond, documents=False),
        lambda offering, actor: Iss.offering_cancel(offering=offering, reason="withdrawn", actor=actor),
        _status),
    Action.SUBSCRIPTION_FUND: Exercise(
        lambda env: _sub(env, Subscription.Status.SIGNED),
        lambda sub, actor: Iss.subscription_mark_funded(subscription=sub, reference="MUFG-1", actor=actor),
        _status),
    Action.SUBSCRIPTION_ACCEPT: Exercise(
        lambda env: _sub(env, Subscription.Status.FUNDED),
        lambda sub, actor: Iss.subscription_accept(subscription=sub, actor=actor),
        _status),
    Action.SUBSCRIPTION_REJECT: Exercise(
        lambda env: _sub(env, Subscription.Status.SIGNED),
        lambda sub, actor: Iss.subscription_reject(subscription=sub, reason="over the limit", actor=actor),
        _status),
    Action.SUBSCRIPTION_SETTLE: Exercise(
        lambda env: _sub(env, Subscription.Status.READY_TO_SETTLE),
        lambda sub, actor: L.subscription_settle(subscription=sub, actor=actor),
        lambda sub: (_status(sub), TokenAction.objects.filter(security=sub.offering.security).count())),
    Action.TOKENS_ISSUE: Exercise(
        lambda env: env,
        lambda env, actor: L.tokens_issue(security=env.bond, wallet=env.wallet, amount=3, actor=actor, reason="r"),
        lambda env: ControlBook.objects.filter(security=env.bond).values_list("issued", flat=True).first()),
    Action.TOKENS_TRANSFER: Exercise(
        _holding,
        lambda ctx, actor: L.tokens_transfer(security=ctx.security, from_wallet=ctx.wallet, to_wallet=ctx.to_wallet,
                                             amount=1, actor=actor),
        _positions),
    Action.TOKENS_REDEEM: Exercise(
        _holding,
        lambda ctx, actor: L.tokens_redeem(security=ctx.security, wallet=ctx.wallet, amount=1, actor=actor),
        _positions),
    Action.TOKENS_FREEZE: Exercise(
        _holding,
        lambda ctx, actor: L.tokens_freeze(security=ctx.security, wallet=ctx.wallet, amount=1, reason="r",
                                           actor=actor),
        _positions),
    Action.WALLET_FREEZE: Exercise(
        _holding,
        lambda ctx, actor: L.wallet_freeze(security=ctx.security, wallet=ctx.wallet, reason="r", actor=actor),
        _positions),
    Action.SECURITY_PAUSE: Exercise(
        lambda env: env.bond,
        lambda security, actor: L.security_pause(security=security, reason="incident", actor=actor),
        lambda security: ControlBook.objects.filter(security=security, paused=True).exists()),
    Action.FORCED_TRANSFER_REQUEST: Exercise(
        _holding,
        lambda ctx, actor: L.forced_transfer_request(security=ctx.security, from_wallet=ctx.wallet,
                                                     to_wallet=ctx.to_wallet, amount=1, reason="court order",
                                                     actor=actor),
        lambda ctx: ComplianceRequest.objects.count()),
    Action.FORCED_TRANSFER_DECIDE: Exercise(
        _forced_request,
        lambda request, actor: L.compliance_request_reject(request=request, reason="not proven", actor=actor),
        _status),
    Action.KYC_DECIDE: Exercise(
        lambda env: KycReviewFactory(),
        lambda review, actor: C.review_approve(review_id=review.pk, reason="documents match", actor=actor),
        lambda review: KycReview.objects.values_list("status", flat=True).get(pk=review.pk)),
    Action.TAX_PROFILE_SET: Exercise(
        lambda env: env.investor,
        lambda investor, actor: tax_profile_set(investor=investor, exemption="treaty", treaty_rate="10",
                                                basis="Form 3 on file", actor=actor),
        lambda investor: list(TaxProfile.objects.filter(user=investor).values_list("exemption", "treaty_rate"))),
    Action.CHAIN_OUTBOX_RETRY: Exercise(
        _failed_entry,
        lambda entry, actor: chain_services.outbox_retry(entry=entry, actor=actor),
        _status),
    Action.CHAIN_BREAK_RESOLVE: Exercise(
        lambda env: BreakFactory(security=env.bond),
        lambda brk, actor: chain_services.break_resolve(brk=brk, reason="explained", actor=actor),
        lambda brk: Break.objects.values_list("status", flat=True).get(pk=brk.pk)),
    Action.CHAIN_RECONCILE: Exercise(
        lambda env: None,
        lambda _ctx, actor: chain_services.reconcile_now(actor=actor),
        lambda _ctx: Reconciliation.objects.count()),
    Action.CASH_TOKEN_CREATE: Exercise(
        lambda env: None,
        lambda _ctx, actor: cash_services.cash_token_create(currency="USD", actor=actor),
        lambda _ctx: TrustAccount.objects.count()),
    Action.CASH_DEPOSIT_RECORD: Exercise(
        _cash_deposit,
        lambda deposit, actor: cash_services.deposit_receipt_record(
            deposit=deposit, amount="500", bank_reference="B-2", value_date=dt.date(2000, 1, 3), actor=actor),
        _status),
    Action.CASH_WITHDRAWAL_PAY: Exercise(
        _cash_withdrawal,
        lambda withdrawal, actor: cash_services.withdrawal_mark_paid(withdrawal=withdrawal, paid_reference="P-1",
                                                                     actor=actor),
        _status),
    Action.TREASURY_CASH: Exercise(
        _treasury,
        lambda issuer, actor: cash_services.treasury_deposit_request(issuer=issuer, currency="JPY", amount="7",
                                                                     actor=actor),
        lambda issuer: (CashDeposit.objects.count(), CashWithdrawal.objects.count())),
    Action.CORPORATE_ACTION_DECLARE: Exercise(
        lambda env: env.bond,
        lambda bond, actor: servicing_services.action_declare(
            security=bond, kind="call", record_date=bond.maturity_date.replace(year=bond.maturity_date.year - 2),
            payment_date=bond.maturity_date.replace(year=bond.maturity_date.year - 2), method="offchain",
            actor=actor),
        lambda bond: CorporateAction.objects.filter(security=bond).count()),
    Action.CORPORATE_ACTION_APPROVE: Exercise(
        _corporate_action,
        lambda action, actor: servicing_services.action_approve(action=action, actor=actor),
        lambda action: CorporateAction.objects.values_list("approved_by", flat=True).get(pk=action.pk)),
    Action.CORPORATE_ACTION_CANCEL: Exercise(
        _corporate_action,
        lambda action, actor: servicing_services.action_cancel(action=action, reason="withdrawn", actor=actor),
        _status),
    Action.CORPORATE_ACTION_PAY: Exercise(
        _payable_action,
        lambda line, actor: servicing_services.lines_mark_paid(action=line.action, reference="BANK-1", actor=actor),
        _status),
    Action.CORPORATE_ACTION_READ: Exercise(
        lambda env: SimpleNamespace(action=_corporate_action(env), seen=[]),
        lambda ctx, actor: ctx.seen.append(servicing_selectors.action_get_for(actor=actor, pk=ctx.action.pk)),
        lambda ctx: len(ctx.seen)),
    Action.STAFF_INVITE: Exercise(
        lambda env: None,
        lambda _ctx, actor: staff.staff_invite(email="new.officer@shoken.test", role="compliance", actor=actor),
        lambda _ctx: StaffInvitation.objects.count()),
    Action.WEBHOOK_MANAGE: Exercise(
        lambda env: env.org,
        lambda org, actor: webhook_services.endpoint_create(
            actor=actor, organization=org, url="http://127.0.0.1:9/hooks", event_types=["subscription.changed"]),
        lambda org: WebhookEndpoint.objects.filter(organization=org).count()),
    Action.WEBHOOK_PLATFORM: Exercise(
        lambda env: None,
        lambda _ctx, actor: webhook_services.endpoint_create(
            actor=actor, url="http://127.0.0.1:9/hooks", event_types=["kyc.decided"]),
        lambda _ctx: WebhookEndpoint.objects.filter(organization__isnull=True).count()),
}


@pytest.fixture
def other_admin(db):
    """The admin of another organization (an approved issuer too)."""
    org = OrganizationFactory(name="Other Robotics K.K.")
    IssuerFactory(organization=org)
    user = UserFactory(email="admin@other.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=org, role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def env(settings, tmp_path, issuer_org, issuer_admin, second_officer, verified_investor):
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "issuance-docs"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHAIN_RPC_URL = ""   # a reconciliation records "not configured" instead of calling a node
    issuer = IssuerFactory(organization=issuer_org)
    bond = SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")
    return SimpleNamespace(org=issuer_org, issuer=issuer, bond=bond, admin=issuer_admin, second_officer=second_officer,
                           investor=verified_investor, wallet=_wallet(verified_investor))


def _footprint() -> tuple[int, int, int]:
    return (AuditEvent.objects.exclude(action="access_denied").count(), TokenAction.objects.count(),
            OutboxEntry.objects.count())


def test_every_action_has_an_exercise():
    assert set(EXERCISES) == set(Action)


@pytest.mark.parametrize("persona", list(PERSONAS))
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_service_does_what_the_table_says(action, persona, env, request):
    exercise, rule, kind = EXERCISES[action], POLICY[action], PERSONAS[persona]
    if kind == Actor.CASH_AGENT and (rule.scope == Scope.ISSUER or action in CASH_TOKENS_ONLY):
        kind = None   # a cash agent is one only at its desk and on the trust bank's own objects (cash tokens)
    ctx = exercise.setup(env)
    actor = request.getfixturevalue(persona)
    before, footprint = exercise.state(ctx), _footprint()

    if kind is not None and kind in rule.actors:
        exercise.run(ctx, actor)
        assert exercise.state(ctx) != before, f"{persona} may take {action} but nothing changed"
        return
    refusal = rule.refusal_for(kind)
    with pytest.raises(ApplicationError) as exc:
        exercise.run(ctx, actor)
    assert (exc.value.status, exc.value.code) == (refusal.status, refusal.code)
    assert exercise.state(ctx) == before and _footprint() == footprint


def test_a_member_promoted_between_two_steps_is_checked_as_what_they_are_now(env, issuer_member):
    """The kind is read at the moment of the action, not remembered."""
    sub = _sub(env, Subscription.Status.SIGNED)
    with pytest.raises(ApplicationError) as exc:
        issuance_services.subscription_mark_funded(subscription=sub, reference="MUFG-1", actor=issuer_member)
    assert exc.value.code == "admin_required"
    Membership.objects.filter(user=issuer_member).update(role=Membership.Role.ADMIN)
    funded = issuance_services.subscription_mark_funded(subscription=sub, reference="MUFG-1", actor=issuer_member)
    assert funded.status == Subscription.Status.FUNDED and funded.funded_at <= timezone.now()
