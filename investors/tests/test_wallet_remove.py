import pytest

from core.errors import ConflictError, NotFoundError
from core.models import AuditEvent, OutboxEntry
from investors.models import Wallet
from investors.services import wallet_remove
from investors.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


def test_removing_a_registered_wallet_revokes_it_on_the_registry(verified_investor):
    wallet = Wallet.objects.get(profile__user=verified_investor)
    assert wallet.on_registry
    wallet_remove(wallet_id=wallet.pk, actor=verified_investor)
    wallet.refresh_from_db()
    assert wallet.status == Wallet.Status.REMOVED and wallet.removed_at
    entry = OutboxEntry.objects.get(idempotency_key=f"wallet:{wallet.pk}:remove")
    assert entry.kind == "registry.revoke_wallet"
    assert entry.payload == {"investor_id": verified_investor.pk, "wallet": wallet.address}


def test_removing_an_unregistered_wallet_writes_no_outbox_row():
    wallet = WalletFactory()
    wallet_remove(wallet_id=wallet.pk, actor=wallet.profile.user)
    assert not OutboxEntry.objects.filter(kind="registry.revoke_wallet").exists()


def test_removing_twice_is_refused(verified_investor):
    wallet = Wallet.objects.get(profile__user=verified_investor)
    wallet_remove(wallet_id=wallet.pk, actor=verified_investor)
    with pytest.raises(ConflictError):
        wallet_remove(wallet_id=wallet.pk, actor=verified_investor)


def test_another_investors_wallet_is_404_and_audited(verified_investor, outsider):
    wallet = Wallet.objects.get(profile__user=verified_investor)
    with pytest.raises(NotFoundError):
        wallet_remove(wallet_id=wallet.pk, actor=outsider)
    assert Wallet.objects.get(pk=wallet.pk).status == Wallet.Status.ACTIVE
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider, object_id=str(wallet.pk)).exists()
