"""chain.record_reader.ChainRecordReader (servicing.record's port): the record block of a
token is the last block holding every action recorded before the end of the record date and
none after it, never past what the indexer has read; balances and the supply are read AT that
block (a later transfer does not change them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chain.indexer import index_sweep
from chain.models import ChainTransaction, IndexCursor
from chain.record_reader import ChainRecordReader
from core.models import OutboxEntry

from .conftest import put, settle


def test_the_record_block_holds_the_actions_before_the_record_and_not_a_later_transfer(mirrored_bond, backend):
    bond = mirrored_bond
    reader = ChainRecordReader(backend)
    index_sweep(backend=backend)
    until = timezone.now()
    minted_in = max(OutboxEntry.objects.filter(kind="token.mint").values_list("block_number", flat=True))

    assert reader.record_block(security_id=bond.security.pk, until=until) == backend.block_number()

    later = put("token.forced_transfer", {"security_id": bond.security.pk, "from_wallet": bond.first,
                                          "to_wallet": bond.second, "amount": "30"}, "test:later:1")
    settle(backend)
    index_sweep(backend=backend)
    moved_in = ChainTransaction.objects.get(entry=later).block_number
    block = reader.record_block(security_id=bond.security.pk, until=until)

    assert minted_in <= block == moved_in - 1
    wallets = [bond.first, bond.second]
    assert reader.balances_at(security_id=bond.security.pk, wallets=wallets, block=block) == {
        bond.first: 100, bond.second: 50}
    assert reader.balances_at(security_id=bond.security.pk, wallets=wallets, block=moved_in) == {
        bond.first: 70, bond.second: 80}
    assert [backend.balance_of(bond.token, w) for w in wallets] == [70, 80]
    assert reader.supply_at(security_id=bond.security.pk, block=block) == 150


def test_no_record_block_while_an_earlier_action_is_in_flight_or_the_indexer_lags(mirrored_bond, backend):
    bond = mirrored_bond
    reader = ChainRecordReader(backend)
    put("token.mint", {"security_id": bond.security.pk, "wallet": bond.second, "amount": "5"}, "test:late:mint")
    until = timezone.now() + timedelta(seconds=1)

    assert reader.record_block(security_id=bond.security.pk, until=until) is None   # not mined yet

    settle(backend)
    IndexCursor.objects.all().delete()
    assert reader.record_block(security_id=bond.security.pk, until=until) is None   # not indexed yet

    index_sweep(backend=backend)
    block = reader.record_block(security_id=bond.security.pk, until=until)
    assert block == backend.block_number()
    assert reader.supply_at(security_id=bond.security.pk, block=block) == 155


def test_a_token_not_on_chain_has_no_record_block(db, backend):
    assert ChainRecordReader(backend).record_block(security_id=987654, until=timezone.now()) is None
