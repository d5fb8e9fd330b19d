"""The outbox contract (core/outbox_payloads.py): every kind has one payload type, every
payload survives its JSON round trip, the JSON of rows already stored still parses to the
same JSON, and a bad payload is refused before anything is written."""

import dataclasses
import json

import pytest
from django.db import transaction
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from core.models import OutboxEntry
from core.outbox import outbox_put, outbox_put_many
from core.outbox_payloads import (
    _SIGNATURE,
    PAYLOAD_TYPES,
    OutboxKind,
    OutboxPayloadError,
    RegisterWallet,
    TokenDeploy,
    TokenMint,
    TokenRules,
    _Countries,
    _List,
    _Nested,
    _Scalar,
    _Uint,
    payload_from_json,
)

A = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
B = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
SHA = "ab" * 32
RULES = {"countries": [392, 840], "accredited_only": True, "qualified_only": False, "lockup_until": 1767225600,
         "max_holders": 500, "max_investor_balance": "1000000"}
SIG_A, SIG_B = "0x" + "a1" * 64 + "1b", "0x" + "B2" * 64 + "1c"
DELIVERY = {"settlement_id": 12, "security_id": 3, "cash_id": 4, "seller_wallet": A, "buyer_wallet": B,
            "units": "10", "price": "150000", "nonce": "12", "deadline": 1798761599, "buyer_signature": SIG_B}

#: One row of each kind as the producers have written it so far (the wire format stays).
STORED = {
    "registry.register_wallet": {"wallet": A, "investor_id": 7, "country": 392, "kyc_expiry": 1798761599,
                                 "accredited": True, "qualified": False},
    "registry.update_investor": {"investor_id": 7, "country": 392, "kyc_expiry": 0, "accredited": False,
                                 "qualified": True},
    "registry.revoke_wallet": {"investor_id": 7, "wallet": A},
    "token.deploy": {"security_id": 3, "name": "Bond 2030", "symbol": "BND30", "decimals": 0, "rules": RULES},
    "token.mint": {"security_id": 3, "wallet": A, "amount": "100"},
    "token.burn": {"security_id": 3, "wallet": A, "amount": "0"},
    "token.transfer": {"security_id": 3, "from_wallet": A, "to_wallet": B, "amount": str(2**256 - 1)},
    "token.forced_transfer": {"security_id": 3, "from_wallet": A, "to_wallet": B, "amount": "5"},
    "token.freeze_wallet": {"security_id": 3, "wallet": A, "frozen": True},
    "token.freeze_tokens": {"security_id": 3, "wallet": A, "amount": "5"},
    "token.unfreeze_tokens": {"security_id": 3, "wallet": A, "amount": "5"},
    "token.recover_wallet": {"security_id": 3, "lost_wallet": A, "new_wallet": B},
    "token.pause": {"security_id": 3},
    "token.unpause": {"security_id": 3},
    "token.set_document": {"security_id": 3, "name": "prospectus", "uri": "https://example.test/p.pdf",
                           "sha256": SHA},
    "token.set_rules": {"security_id": 3, "rules": RULES},
    "settlement.dvp": {**DELIVERY, "seller_signature": SIG_A},
    "settlement.primary": DELIVERY,
    "payment.batch": {"security_id": 4, "batch_id": 9, "from_wallet": B, "wallets": [A], "amounts": ["16000"]},
    "redemption.burn": {"security_id": 3, "batch_id": 10, "wallets": [A, B], "amounts": ["5", "7"]},
}


def test_every_kind_has_its_payload_type_and_a_stored_example():
    assert set(PAYLOAD_TYPES) == set(OutboxKind)
    assert all(cls.kind == kind for kind, cls in PAYLOAD_TYPES.items())
    assert set(STORED) == set(OutboxKind.values)


@pytest.mark.parametrize("kind", sorted(STORED))
def test_a_stored_row_parses_and_gives_back_the_same_json(kind):
    payload = payload_from_json(kind, STORED[kind])

    assert type(payload) is PAYLOAD_TYPES[kind]
    assert payload.to_json() == STORED[kind]


def test_a_deploy_without_rules_means_no_rule():
    payload = payload_from_json("token.deploy", {"security_id": 1, "name": "A", "symbol": "A", "decimals": 0})

    assert payload.rules == TokenRules()
    assert payload.to_json()["rules"] == {"countries": [], "accredited_only": False, "qualified_only": False,
                                          "lockup_until": 0, "max_holders": 0, "max_investor_balance": "0"}


# ---------------------------------------------------------------- round trip, for any value

def _strategy(codec) -> st.SearchStrategy:
    if isinstance(codec, _Uint):
        return st.integers(0, 2**codec.bits - 1)
    if isinstance(codec, _Countries):
        return st.lists(st.integers(1, 999), max_size=5).map(tuple)
    if isinstance(codec, _Nested):
        return _payloads(codec.type)
    if isinstance(codec, _List):
        return st.lists(_strategy(codec.item), min_size=1, max_size=4).map(tuple)
    if isinstance(codec, _Scalar) and codec.type is bool:
        return st.booleans()
    if isinstance(codec, _Scalar) and codec.eip55:
        return st.binary(min_size=20, max_size=20).map(to_checksum_address)
    if isinstance(codec, _Scalar) and codec.pattern is _SIGNATURE:
        return st.binary(min_size=65, max_size=65).map(lambda b: "0x" + b.hex())
    if isinstance(codec, _Scalar) and codec.pattern is not None:
        return st.text("0123456789abcdefABCDEF", min_size=64, max_size=64)
    text = st.text(min_size=1, max_size=40)
    return text.filter(lambda s: len(s.encode()) <= codec.max_bytes) if codec.max_bytes else text


def _valid(cls, values: dict) -> bool:
    """Whether the fields, each valid, also meet the rules across fields (seller != buyer)."""
    try:
        cls(**values)
    except OutboxPayloadError:
        return False
    return True


def _payloads(cls) -> st.SearchStrategy:
    fields = st.fixed_dictionaries({f.name: _strategy(f.metadata["codec"]) for f in dataclasses.fields(cls)})
    return fields.filter(lambda values: _valid(cls, values)).map(lambda values: cls(**values))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("kind", sorted(OutboxKind.values))
def test_every_payload_round_trips_through_its_json(kind, data):
    payload = data.draw(_payloads(PAYLOAD_TYPES[kind]))
    wire = json.loads(json.dumps(payload.to_json()))   # what JSONB gives back

    assert wire == payload.to_json()
    assert payload_from_json(kind, wire) == payload


# ---------------------------------------------------------------- bad payloads

@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"security_id": "3"}, "security_id", "must be an int"),
    ({"security_id": True}, "security_id", "must be an int"),
    ({"wallet": A.lower()}, "wallet", "EIP-55"),
    ({"wallet": "0xabc"}, "wallet", "EIP-55"),
    ({"amount": -1}, "amount", "out of range"),
    ({"amount": 2**256}, "amount", "out of range"),
    ({"amount": 1.5}, "amount", "must be an int"),
])
def test_a_bad_value_is_refused_when_the_payload_is_built(changes, field, problem):
    with pytest.raises(OutboxPayloadError) as excinfo:
        TokenMint(**({"security_id": 3, "wallet": A, "amount": 5} | changes))

    assert excinfo.value.code == "invalid_outbox_payload"
    assert (excinfo.value.kind, excinfo.value.field) == ("token.mint", field)
    assert problem in excinfo.value.problem


@pytest.mark.parametrize(("kind", "data", "field", "problem"), [
    ("token.mint", {"security_id": 3, "wallet": A}, "amount", "is missing"),
    ("token.mint", {"security_id": 3, "wallet": A, "amount": 5}, "amount", "decimal string"),
    ("token.mint", {"security_id": 3, "wallet": A, "amount": "-5"}, "amount", "decimal string"),
    ("token.mint", {"security_id": 3, "wallet": A, "amount": "1e3"}, "amount", "decimal string"),
    ("token.mint", {"security_id": 3, "wallet": A, "amount": "5", "memo": "x"}, "memo", "not a field"),
    ("token.pause", {"security_id": "3"}, "security_id", "must be an int"),
    ("registry.update_investor", {**STORED["registry.update_investor"], "country": 70000}, "country", "uint16"),
    ("token.deploy", {**STORED["token.deploy"], "rules": {"countries": [0]}}, "rules.countries", "ISO"),
    ("token.set_rules", {"security_id": 3}, "rules", "is missing"),
    ("token.set_document", {**STORED["token.set_document"], "name": "n" * 33}, "name", "32 bytes"),
    ("token.set_document", {**STORED["token.set_document"], "sha256": "xyz"}, "sha256", "malformed"),
    ("token.teleport", {"security_id": 3}, "", "not an outbox kind"),
    ("token.pause", [3], "", "JSON object"),
    ("settlement.primary", {**DELIVERY, "buyer_signature": SIG_B[:-2]}, "buyer_signature", "malformed"),
    ("settlement.primary", {**DELIVERY, "buyer_signature": SIG_B[2:]}, "buyer_signature", "malformed"),
    ("settlement.dvp", DELIVERY, "seller_signature", "is missing"),
    ("settlement.primary", {**DELIVERY, "seller_signature": SIG_A}, "seller_signature", "not a field"),
    ("settlement.primary", {**DELIVERY, "buyer_wallet": A}, "buyer_wallet", "must differ"),
    ("settlement.primary", {**DELIVERY, "cash_id": 3}, "cash_id", "must differ"),
    ("settlement.primary", {**DELIVERY, "deadline": 2**40}, "deadline", "uint40"),
    ("settlement.primary", {**DELIVERY, "nonce": 12}, "nonce", "decimal string"),
    ("settlement.primary", {**DELIVERY, "price": str(2**256)}, "price", "uint256"),
])
def test_a_bad_row_is_refused_when_parsed(kind, data, field, problem):
    with pytest.raises(OutboxPayloadError) as excinfo:
        payload_from_json(kind, data)

    assert excinfo.value.field == field
    assert problem in excinfo.value.problem
    assert kind in str(excinfo.value)


def test_a_bad_payload_writes_nothing(db):
    with transaction.atomic():
        with pytest.raises(OutboxPayloadError):
            outbox_put(RegisterWallet(investor_id=7, wallet=A.lower(), country=392, kyc_expiry=0,
                                      accredited=False, qualified=False), idempotency_key="wallet:1:add")
        with pytest.raises(TypeError, match="outbox payload"):
            outbox_put_many([(STORED["token.mint"], "action:1")])
        with pytest.raises(TypeError, match="outbox payload"):
            outbox_put(TokenRules(), idempotency_key="rules:1")

    assert not OutboxEntry.objects.exists()


def test_a_payload_is_frozen():
    payload = TokenDeploy(security_id=1, name="A", symbol="A", decimals=0)

    with pytest.raises(dataclasses.FrozenInstanceError):
        payload.security_id = 2
