"""The chain's side of the outbox contract (core/outbox_payloads.py): every kind has a plan
in chain/calls.py, every step of every kind's payload is a call the contract's ABI encodes,
and a row that does not meet its kind's contract is a BadPayload (permanent), not a crash."""

import pytest
from eth_account import Account

from chain.artifacts import load_artifacts
from chain.calls import _PLANS, BadPayload, build_batch_mint, build_call, parse, payload_of, plan, security_of
from chain.signing import Encoder
from core.models import OutboxEntry
from core.outbox_payloads import OutboxKind, TokenMint, TokenPause
from core.tests.test_outbox_contract import STORED

SIGNER = Account.create().address
ADDRESSES = {"InvestorRegistry": Account.create().address, "SecurityToken:3": Account.create().address}


def test_every_kind_has_a_contract_call():
    assert set(_PLANS) == set(OutboxKind)


@pytest.mark.parametrize("kind", sorted(STORED))
def test_every_step_of_every_kind_encodes_against_the_contract(kind):
    payload = parse(kind, STORED[kind])
    artifacts = load_artifacts()

    for step in range(len(plan(payload))):
        call = build_call(payload=payload, idempotency_key=f"contract:{kind}", step=step, chain_id=31337,
                          signer=SIGNER, addresses=ADDRESSES.__getitem__)
        art = artifacts[call.artifact]
        data = Encoder.from_abi(list(art.abi), art.bytecode).data(call)   # raises when the args do not fit

        assert len(data) >= 4
        assert call.address == (None if kind == "token.deploy" and step == 0 else
                                ADDRESSES["InvestorRegistry" if kind.startswith("registry.") else "SecurityToken:3"])


def test_a_batch_of_mints_is_one_call_from_the_parsed_payloads():
    rows = [OutboxEntry(kind="token.mint", payload=TokenMint(security_id=3, wallet=w, amount=n).to_json(),
                        idempotency_key=f"action:{n}") for n, w in enumerate([SIGNER, ADDRESSES["SecurityToken:3"]])]

    call = build_batch_mint(entries=rows, chain_id=31337, addresses=ADDRESSES.__getitem__)

    assert call.function == "batchMint" and call.address == ADDRESSES["SecurityToken:3"]
    assert call.args[1:] == ([SIGNER, ADDRESSES["SecurityToken:3"]], [0, 1])


@pytest.mark.parametrize(("kind", "payload"), [
    ("token.mint", {"security_id": 3, "wallet": "nope", "amount": "1"}),
    ("token.mint", {"security_id": 3, "wallet": SIGNER.lower(), "amount": "1"}),
    ("token.pause", {"security_id": "3"}),
    ("token.burn", {"security_id": 3, "wallet": SIGNER, "amount": 5}),
    ("token.teleport", {"security_id": 3}),
    ("registry.revoke_wallet", None),
])
def test_a_row_that_breaks_the_contract_is_a_bad_payload(kind, payload):
    row = OutboxEntry(kind=kind, payload=payload, idempotency_key="action:bad")

    with pytest.raises(BadPayload, match=kind):
        payload_of(row)
    assert security_of(kind, payload) is None


def test_the_security_of_a_row_is_its_int_id():
    assert security_of("token.pause", TokenPause(security_id=41).to_json()) == 41
    assert security_of("registry.revoke_wallet", STORED["registry.revoke_wallet"]) is None
