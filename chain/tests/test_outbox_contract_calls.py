"""The chain's side of the outbox contract (core/outbox_payloads.py): every kind has a plan
in chain/calls.py, every step of every kind's payload is a call the contract's ABI encodes,
and a row that does not meet its kind's contract is a BadPayload (permanent), not a crash."""

import pytest
from eth_account import Account
from eth_utils import keccak

from chain.artifacts import load_artifacts
from chain.calls import (
    _PLANS,
    BadPayload,
    TargetNotDeployed,
    build_batch_mint,
    build_call,
    parse,
    payload_of,
    plan,
    securities_of,
    security_of,
)
from chain.signing import Encoder
from core.models import OutboxEntry
from core.outbox_payloads import OutboxKind, TokenMint, TokenPause
from core.tests.test_outbox_contract import STORED

SIGNER = Account.create().address
ADDRESSES = {"InvestorRegistry": Account.create().address, "SecurityToken:3": Account.create().address,
             "SecurityToken:4": Account.create().address, "Settlement": Account.create().address}


def _target(kind: str, step: int) -> str | None:
    if kind == "token.deploy" and step == 0:
        return None
    if kind.startswith("settlement."):
        return ADDRESSES["Settlement"]
    if kind.startswith("registry."):
        return ADDRESSES["InvestorRegistry"]
    return ADDRESSES[f"SecurityToken:{STORED[kind]['security_id']}"]   # a payment batch: the cash token


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
        assert call.address == _target(kind, step)


@pytest.mark.parametrize(("kind", "function", "signatures"), [
    ("settlement.dvp", "settle", (STORED["settlement.dvp"]["seller_signature"],
                                  STORED["settlement.dvp"]["buyer_signature"])),
    ("settlement.primary", "settlePrimary", (STORED["settlement.primary"]["buyer_signature"],)),
])
def test_a_settlement_calls_the_settlement_contract_with_the_signed_delivery_and_no_ref(kind, function, signatures):
    row = STORED[kind]

    [step] = plan(parse(kind, row))
    call = build_call(payload=parse(kind, row), idempotency_key=f"settlement:{kind}", step=0, chain_id=31337,
                      signer=SIGNER, addresses=ADDRESSES.__getitem__)

    assert (step.target, call.function, call.address) == ("settlement", function, ADDRESSES["Settlement"])
    assert call.args[0] == (ADDRESSES["SecurityToken:3"], 10, row["seller_wallet"], row["buyer_wallet"],
                            ADDRESSES["SecurityToken:4"], 150000, 12, row["deadline"])
    assert call.args[1:] == tuple(bytes.fromhex(s[2:]) for s in signatures)
    assert security_of(kind, row) == 3 and securities_of(kind, row) == {3, 4}


@pytest.mark.parametrize(("kind", "function", "args"), [
    ("payment.batch", "batchPay", (STORED["payment.batch"]["from_wallet"], STORED["payment.batch"]["wallets"],
                                   [16000])),
    ("redemption.burn", "batchBurn", (STORED["redemption.burn"]["wallets"], [5, 7])),
])
def test_a_paying_agent_batch_is_one_token_call_under_the_ref_of_its_key(kind, function, args):
    row = STORED[kind]

    call = build_call(payload=parse(kind, row), idempotency_key="payment:1:1", step=0, chain_id=31337,
                      signer=SIGNER, addresses=ADDRESSES.__getitem__)

    assert (call.function, call.address) == (function, ADDRESSES[f"SecurityToken:{row['security_id']}"])
    assert call.args == (keccak(text="payment:1:1"), *args)
    assert securities_of(kind, row) == {row["security_id"]}


def test_a_settlement_waits_for_a_token_not_deployed_yet():
    def address_of(name: str) -> str:
        if name == "SecurityToken:4":
            raise TargetNotDeployed(name)
        return ADDRESSES[name]

    with pytest.raises(TargetNotDeployed):
        build_call(payload=parse("settlement.dvp", STORED["settlement.dvp"]), idempotency_key="settlement:1",
                   step=0, chain_id=31337, signer=SIGNER, addresses=address_of)


def test_a_token_is_deployed_with_the_settlement_contract_and_waits_for_it():
    payload = parse("token.deploy", STORED["token.deploy"])
    call = build_call(payload=payload, idempotency_key="deploy:3", step=0, chain_id=31337, signer=SIGNER,
                      addresses=ADDRESSES.__getitem__)
    assert call.args[-4:] == (ADDRESSES["InvestorRegistry"], SIGNER, SIGNER, ADDRESSES["Settlement"])

    without_settlement = {k: v for k, v in ADDRESSES.items() if k != "Settlement"}

    def address_of(name: str) -> str:
        if name not in without_settlement:
            raise TargetNotDeployed(name)
        return without_settlement[name]

    with pytest.raises(TargetNotDeployed):
        build_call(payload=payload, idempotency_key="deploy:3", step=0, chain_id=31337, signer=SIGNER,
                   addresses=address_of)


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
