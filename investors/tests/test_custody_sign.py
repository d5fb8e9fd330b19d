"""A custodied wallet's key signs only our settlement Delivery, only where the wallet is a
party, and only for its own investor (or, for a treasury, the platform); audited without the key."""

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent
from investors.authorization import delivery_digest, delivery_typed_data, signature_check
from investors.custody import custody_sign, custody_wallet_create, custody_wallet_create_for_treasury
from investors.models import InvestorProfile, Wallet
from investors.tests.factories import VERIFIED_INVESTOR_WALLET, InvestorProfileFactory

pytestmark = pytest.mark.django_db
DOMAIN = {"name": "Shoken Settlement", "version": "1", "chainId": 31337,
          "verifyingContract": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}
SECURITY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
CASH = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"


def _typed(*, seller, buyer, nonce=1):
    return delivery_typed_data(DOMAIN, {"security": SECURITY, "units": 10, "seller": seller, "buyer": buyer,
                                        "cash": CASH, "price": 5000, "nonce": nonce, "deadline": 1_900_000_000})


@pytest.fixture
def custodied(verified_investor):
    return custody_wallet_create(profile=verified_investor.investor_profile, actor=verified_investor)


def test_the_investor_signs_a_delivery_with_the_custodied_key(verified_investor, custodied):
    typed = _typed(seller=custodied.address, buyer=VERIFIED_INVESTOR_WALLET, nonce=42)
    signature = custody_sign(wallet=custodied, typed=typed, actor=verified_investor)
    assert signature_check(typed, signature, custodied.address) == signature
    event = AuditEvent.objects.get(action="wallet.custody_signed", object_id=str(custodied.pk))
    assert event.actor_id == verified_investor.pk
    assert event.new_values == {"digest": "0x" + delivery_digest(typed).hex(), "role": "seller", "nonce": "42",
                                "deadline": "1900000000"}
    key = Wallet.objects.get(pk=custodied.pk).custody_key.removeprefix("0x")
    assert key not in str(event.new_values)


def test_another_investor_cannot_use_the_wallet(custodied, outsider):
    typed = _typed(seller=custodied.address, buyer=VERIFIED_INVESTOR_WALLET)
    with pytest.raises(NotFoundError):
        custody_sign(wallet=custodied, typed=typed, actor=outsider)
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()
    with pytest.raises(PermissionDeniedError) as exc:  # the platform signs only for treasuries
        custody_sign(wallet=custodied, typed=typed, actor=None)
    assert exc.value.code == "custody_actor"
    assert not AuditEvent.objects.filter(action="wallet.custody_signed").exists()


def test_refusals_sign_nothing(verified_investor, custodied):
    stranger = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    with pytest.raises(ApplicationError) as exc:
        custody_sign(wallet=custodied, typed=_typed(seller=stranger, buyer=VERIFIED_INVESTOR_WALLET),
                     actor=verified_investor)
    assert exc.value.code == "not_a_party"
    permit = {**_typed(seller=custodied.address, buyer=stranger), "primaryType": "Permit"}
    with pytest.raises(ApplicationError) as exc:
        custody_sign(wallet=custodied, typed=permit, actor=verified_investor)
    assert exc.value.code == "invalid_delivery"
    own = Wallet.objects.get(address=VERIFIED_INVESTOR_WALLET)
    with pytest.raises(ConflictError) as exc:
        custody_sign(wallet=own, typed=_typed(seller=own.address, buyer=stranger), actor=verified_investor)
    assert exc.value.code == "not_custodied"
    Wallet.objects.filter(pk=custodied.pk).update(status=Wallet.Status.REMOVED, removed_at=timezone.now())
    with pytest.raises(ConflictError) as exc:
        custody_sign(wallet=custodied, typed=_typed(seller=custodied.address, buyer=stranger),
                     actor=verified_investor)
    assert exc.value.code == "wallet_removed"
    assert not AuditEvent.objects.filter(action="wallet.custody_signed").exists()


def test_the_platform_signs_for_an_issuers_treasury(verified_investor):
    treasury = UserFactory(role=Role.TREASURY)
    profile = InvestorProfileFactory(user=treasury, kind=InvestorProfile.Kind.ENTITY, beneficial_owners="Issuer KK")
    approve_profile(profile)
    wallet = custody_wallet_create_for_treasury(profile=profile)
    typed = _typed(seller=wallet.address, buyer=VERIFIED_INVESTOR_WALLET)
    signature = custody_sign(wallet=wallet, typed=typed, actor=None)
    assert signature_check(typed, signature, wallet.address) == signature
    assert AuditEvent.objects.get(action="wallet.custody_signed").actor_id is None
