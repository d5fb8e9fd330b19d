"""Transfers first seen on chain are recorded as chain-originated actions."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError
from ledger.invariants import check_invariants
from ledger.models import TokenAction
from ledger.selectors import register_positions
from ledger.services import chain_transfer_record, tokens_issue

from .conftest import wallet_of

TX = "0x" + "ab" * 32


def test_a_chain_transfer_moves_positions_without_an_outbox_row(bond, issuer_admin, investor_wallet, second_investor):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    to = wallet_of(second_investor).address
    action = chain_transfer_record(security=bond, from_address=investor_wallet.address.lower(), to_address=to,
                                   amount=4, tx_hash=TX, log_index=2, block_number=9)
    assert action.origin == TokenAction.Origin.CHAIN and action.outbox is None
    assert action.idempotency_key == f"chain:{TX}:2"
    assert register_positions(security=bond) == {investor_wallet.address: (6, 0), to: (4, 0)}
    assert chain_transfer_record(security=bond, from_address=investor_wallet.address, to_address=to, amount=4,
                                 tx_hash=TX, log_index=2, block_number=9) is None
    assert check_invariants() == []


def test_an_unknown_wallet_is_refused(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=10, actor=issuer_admin, reason="")
    with pytest.raises(ApplicationError) as refused:
        chain_transfer_record(security=bond, from_address=investor_wallet.address, to_address="0x" + "11" * 20,
                              amount=1, tx_hash=TX, log_index=0, block_number=1)
    assert refused.value.code == "unknown_wallet"
    assert TokenAction.objects.filter(origin="chain").count() == 0
