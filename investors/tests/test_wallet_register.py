from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, ConflictError, NotFoundError
from core.models import AuditEvent, OutboxEntry
from investors.models import Wallet, WalletChallenge
from investors.services import wallet_challenge_create, wallet_verify
from investors.tests.factories import OTHER_KEY, OTHER_WALLET, key_for, sign

pytestmark = pytest.mark.django_db
KEY = key_for(999)


def _address():
    from eth_account import Account

    return Account.from_key(KEY).address


def test_investor_proves_a_wallet_by_signing_the_challenge(unverified_investor):
    challenge = wallet_challenge_create(address=_address().lower(), actor=unverified_investor)
    assert challenge.address == _address()  # stored checksummed
    assert challenge.nonce in challenge.message and unverified_investor.email in challenge.message
    wallet = wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, KEY), actor=unverified_investor)
    assert wallet.address == _address() and wallet.status == Wallet.Status.ACTIVE
    assert AuditEvent.objects.filter(action="wallet.added", object_id=str(wallet.pk)).exists()
    # Not KYC-approved yet: the registry hears about it on approval, not now.
    assert not OutboxEntry.objects.exists()


def test_a_verified_investors_new_wallet_goes_to_the_registry(verified_investor):
    challenge = wallet_challenge_create(address=_address(), actor=verified_investor)
    wallet = wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, KEY), actor=verified_investor)
    entry = OutboxEntry.objects.get(idempotency_key=f"wallet:{wallet.pk}:add")
    assert entry.kind == "registry.register_wallet"
    assert entry.payload["wallet"] == wallet.address and entry.payload["country"] == 392
    assert entry.payload["investor_id"] == verified_investor.pk and entry.payload["qualified"] is True
    assert entry.payload["kyc_expiry"] > timezone.now().timestamp()


def test_a_signature_from_another_wallet_is_refused(unverified_investor):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    with pytest.raises(ApplicationError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, OTHER_KEY),
                      actor=unverified_investor)
    assert exc.value.code == "signature_mismatch" and OTHER_WALLET in exc.value.message
    assert not Wallet.objects.exists()
    assert WalletChallenge.objects.get(pk=challenge.pk).used_at is None


def test_a_signature_of_another_message_is_refused(unverified_investor):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    with pytest.raises(ApplicationError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message + "x", KEY),
                      actor=unverified_investor)
    assert exc.value.code == "signature_mismatch"


@pytest.mark.parametrize("signature", ["", "0x1234", "not hex at all", "0x" + "zz" * 65])
def test_a_malformed_signature_is_refused(unverified_investor, signature):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    with pytest.raises(ApplicationError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=signature, actor=unverified_investor)
    assert exc.value.code == "invalid_signature"


def test_an_expired_challenge_is_refused(unverified_investor):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    WalletChallenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ApplicationError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, KEY), actor=unverified_investor)
    assert exc.value.code == "challenge_expired"
    assert not Wallet.objects.exists()


def test_a_replayed_challenge_is_refused(unverified_investor):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    signature = sign(challenge.message, KEY)
    wallet_verify(challenge_id=challenge.pk, signature=signature, actor=unverified_investor)
    with pytest.raises(ConflictError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=signature, actor=unverified_investor)
    assert exc.value.code == "challenge_used"
    assert Wallet.objects.count() == 1


def test_another_investors_challenge_is_404(unverified_investor, outsider):
    challenge = wallet_challenge_create(address=_address(), actor=unverified_investor)
    with pytest.raises(NotFoundError):
        wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, KEY), actor=outsider)
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()


def test_a_wallet_of_another_investor_cannot_be_claimed(verified_investor, outsider):
    from investors.tests.factories import VERIFIED_INVESTOR_KEY, VERIFIED_INVESTOR_WALLET

    challenge = wallet_challenge_create(address=VERIFIED_INVESTOR_WALLET, actor=outsider)
    with pytest.raises(ConflictError) as exc:
        wallet_verify(challenge_id=challenge.pk, signature=sign(challenge.message, VERIFIED_INVESTOR_KEY),
                      actor=outsider)
    assert exc.value.code == "wallet_taken"


@pytest.mark.parametrize("address", ["", "0x123", "0xZZ" + "0" * 38, "0x52908400098527886e0F7030069857D2E4169EE7"])
def test_bad_addresses_are_refused(unverified_investor, address):
    with pytest.raises(ApplicationError) as exc:
        wallet_challenge_create(address=address, actor=unverified_investor)
    assert exc.value.code == "invalid_address"
