"""The trust bank keeps a wallet for an investor (or an issuer's treasury): a fresh key,
encrypted at rest, never in the audit trail or the logs; registered on chain like a proven one."""

import logging

import pytest
from django.db import connection
from eth_account import Account

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, OutboxEntry
from investors.custody import custody_wallet_create, custody_wallet_create_for_treasury
from investors.models import InvestorProfile, Wallet
from investors.tests.factories import InvestorProfileFactory

pytestmark = pytest.mark.django_db


def _stored_key(wallet: Wallet) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT custody_key FROM investors_wallet WHERE id = %s", [wallet.pk])
        return cursor.fetchone()[0]


def test_a_verified_investor_gets_a_custodied_wallet_on_the_registry(verified_investor, caplog):
    caplog.set_level(logging.DEBUG)
    profile = verified_investor.investor_profile
    wallet = custody_wallet_create(profile=profile, actor=verified_investor)

    assert wallet.status == Wallet.Status.ACTIVE and wallet.custody == Wallet.Custody.PLATFORM
    assert "custody_key" in wallet.get_deferred_fields()  # handed back without its key
    key = Wallet.objects.get(pk=wallet.pk).custody_key
    assert Account.from_key(key).address == wallet.address  # the key behind the address
    stored = _stored_key(wallet)
    assert stored.startswith("fernet:") and key.removeprefix("0x") not in stored  # encrypted at rest

    entry = OutboxEntry.objects.get(idempotency_key=f"wallet:{wallet.pk}:add")
    assert entry.kind == "registry.register_wallet" and entry.payload["wallet"] == wallet.address
    assert entry.payload["investor_id"] == verified_investor.pk and Wallet.objects.get(pk=wallet.pk).on_registry

    event = AuditEvent.objects.get(action="wallet.custody_created", object_id=str(wallet.pk))
    assert event.actor_id == verified_investor.pk and event.new_values["address"] == wallet.address
    secret = key.removeprefix("0x")
    assert not [e for e in AuditEvent.objects.all() if secret in f"{e.old_values}{e.new_values}"]
    assert secret not in caplog.text


def test_a_second_custodied_wallet_is_refused(verified_investor):
    profile = verified_investor.investor_profile
    custody_wallet_create(profile=profile, actor=verified_investor)
    with pytest.raises(ConflictError) as exc:
        custody_wallet_create(profile=profile, actor=verified_investor)
    assert exc.value.code == "custody_wallet_exists"
    assert profile.wallets.filter(custody=Wallet.Custody.PLATFORM).count() == 1


def test_an_investor_whose_kyc_is_not_verified_is_refused(unverified_investor):
    with pytest.raises(ConflictError) as exc:
        custody_wallet_create(profile=None, actor=unverified_investor)
    assert exc.value.code == "kyc_not_approved"
    profile = InvestorProfileFactory(user=unverified_investor, kyc_status=InvestorProfile.KycStatus.SUBMITTED)
    with pytest.raises(ConflictError) as exc:
        custody_wallet_create(profile=profile, actor=unverified_investor)
    assert exc.value.code == "kyc_not_approved"
    assert not Wallet.objects.exists() and not OutboxEntry.objects.exists()


def test_someone_elses_profile_is_404_and_another_role_403(verified_investor, outsider, compliance_officer):
    profile = verified_investor.investor_profile
    with pytest.raises(NotFoundError):
        custody_wallet_create(profile=profile, actor=outsider)
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()
    officer_profile = InvestorProfileFactory(user=compliance_officer, approved=True)
    with pytest.raises(PermissionDeniedError) as exc:
        custody_wallet_create(profile=officer_profile, actor=compliance_officer)
    assert exc.value.code == "not_an_investor"
    assert not Wallet.objects.filter(custody=Wallet.Custody.PLATFORM).exists()


def test_an_issuers_treasury_gets_one_registered_wallet(verified_investor):
    treasury = UserFactory(role=Role.TREASURY)
    profile = InvestorProfileFactory(user=treasury, kind=InvestorProfile.Kind.ENTITY, beneficial_owners="Issuer KK")
    approve_profile(profile)
    wallet = custody_wallet_create_for_treasury(profile=profile)
    assert wallet.custody == Wallet.Custody.PLATFORM and wallet.profile_id == profile.pk
    assert OutboxEntry.objects.filter(idempotency_key=f"wallet:{wallet.pk}:add").exists()
    with pytest.raises(ConflictError):
        custody_wallet_create_for_treasury(profile=profile)
    # Not a treasury's profile (an investor's): refused.
    with pytest.raises(ApplicationError) as exc:
        custody_wallet_create_for_treasury(profile=verified_investor.investor_profile)
    assert exc.value.code == "treasury_profile_required"
