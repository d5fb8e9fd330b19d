"""EIP-712 authorizations of a settlement Delivery: the typed data a wallet signs, who signed,
and the refusals (another key, other terms, shapes the contract would not take)."""

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from core.errors import ApplicationError
from investors.authorization import (
    SECP256K1_N,
    delivery_digest,
    delivery_typed_data,
    signature_check,
    signer_of,
)
from investors.tests.factories import OTHER_KEY, VERIFIED_INVESTOR_KEY, VERIFIED_INVESTOR_WALLET

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DOMAIN = {"name": "Shoken Settlement", "version": "1", "chainId": 31337, "verifyingContract": CONTRACT}
DELIVERY = {
    "security": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    "units": 250,
    "seller": VERIFIED_INVESTOR_WALLET,
    "buyer": Account.from_key(OTHER_KEY).address,
    "cash": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    "price": 10**30,  # beyond 2**53: exact as a decimal string
    "nonce": 7,
    "deadline": 1_900_000_000,
}


def _typed(**changes):
    return delivery_typed_data(DOMAIN, {**DELIVERY, **changes})


def _sign(typed, key=VERIFIED_INVESTOR_KEY) -> str:
    return "0x" + bytes(Account.sign_typed_data(key, full_message=typed).signature).hex()


def _refused(code, typed, signature, wallet=VERIFIED_INVESTOR_WALLET):
    with pytest.raises(ApplicationError) as exc:
        signature_check(typed, signature, wallet)
    assert exc.value.code == code and exc.value.status == 400
    return exc.value


def test_the_typed_data_is_what_eth_signTypedData_v4_takes():
    typed = _typed()
    assert typed["primaryType"] == "Delivery"
    assert [f["name"] for f in typed["types"]["EIP712Domain"]] == ["name", "version", "chainId", "verifyingContract"]
    assert typed["domain"] == DOMAIN
    assert typed["message"]["price"] == str(10**30) and typed["message"]["units"] == "250"
    assert all(isinstance(value, str) for value in typed["message"].values())
    lower = delivery_typed_data(DOMAIN, {**DELIVERY, "seller": VERIFIED_INVESTOR_WALLET.lower(), "units": "250"})
    assert lower == typed  # addresses come out EIP-55, decimal strings are read back as the same numbers


def test_the_digest_is_the_one_a_solidity_eip712_contract_computes():
    domain_type = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    delivery_type = keccak(text="Delivery(address security,uint256 units,address seller,address buyer,address cash,"
                                "uint256 price,uint256 nonce,uint256 deadline)")
    separator = keccak(encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                              [domain_type, keccak(text="Shoken Settlement"), keccak(text="1"), 31337, CONTRACT]))
    d = DELIVERY
    struct = keccak(encode(
        ["bytes32", "address", "uint256", "address", "address", "address", "uint256", "uint256", "uint256"],
        [delivery_type, d["security"], d["units"], d["seller"], d["buyer"], d["cash"], d["price"], d["nonce"],
         d["deadline"]]))
    assert delivery_digest(_typed()) == keccak(b"\x19\x01" + separator + struct)
    assert delivery_digest(_typed(nonce=8)) != delivery_digest(_typed())


def test_the_wallets_signature_is_accepted_and_its_signer_recovered():
    typed = _typed()
    signature = _sign(typed)
    assert signer_of(typed, signature) == VERIFIED_INVESTOR_WALLET
    assert signature_check(typed, signature.upper().replace("0X", "0x"), VERIFIED_INVESTOR_WALLET.lower()) == signature


@pytest.mark.parametrize("field, value", [("units", 251), ("price", 10**30 - 1), ("nonce", 8), ("deadline", 1),
                                          ("buyer", "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0")])
def test_a_signature_over_other_terms_is_refused(field, value):
    error = _refused("invalid_signature", _typed(**{field: value}), _sign(_typed()))
    assert error.fields["signature"]


def test_a_signature_for_another_chain_or_contract_is_refused():
    signature = _sign(_typed())
    for domain in ({**DOMAIN, "chainId": 1}, {**DOMAIN, "verifyingContract": DELIVERY["cash"]}):
        _refused("invalid_signature", delivery_typed_data(domain, DELIVERY), signature)


def test_a_signature_by_another_key_is_refused():
    typed = _typed()
    _refused("invalid_signature", typed, _sign(typed, OTHER_KEY))


def _high_s_twin(signature: str) -> str:
    raw = bytes.fromhex(signature[2:])
    s = int.from_bytes(raw[32:64], "big")
    return "0x" + (raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - raw[64]])).hex()


def test_malformed_signatures_are_refused():
    typed = _typed()
    good = _sign(typed)
    twin = _high_s_twin(good)
    # The malleable twin recovers to the same wallet in plain ECDSA; the contract refuses it.
    recovered = Account.recover_message(encode_typed_data(full_message=typed), signature=bytes.fromhex(twin[2:]))
    assert recovered == VERIFIED_INVESTOR_WALLET
    bad_v = [good[:-2] + v for v in ("00", "01", "1d")]
    no_point = "0x" + (5).to_bytes(32, "big").hex() + (1).to_bytes(32, "big").hex() + "1b"  # x=5: not on the curve
    for signature in ["", None, "0x1234", good[2:], good + "00", "0x" + "zz" * 65, twin, *bad_v, "0x" + "00" * 65,
                      no_point]:
        _refused("malformed_signature", typed, signature)


BAD_CHECKSUM = "0x9fe46736679d2D9a65F0992F2272dE9f3c7fa6e0"


@pytest.mark.parametrize("changes", [{"units": -1}, {"price": 2**256}, {"nonce": "1e3"}, {"units": True},
                                     {"seller": "0x123"}, {"buyer": None}, {"cash": BAD_CHECKSUM}])
def test_bad_delivery_fields_are_refused(changes):
    with pytest.raises(ApplicationError) as exc:
        _typed(**changes)
    assert exc.value.code == "invalid_delivery"


def test_typed_data_other_than_our_delivery_is_refused():
    permit = {**_typed(), "primaryType": "Permit"}
    foreign = {**_typed(), "domain": {**DOMAIN, "name": "Other Exchange"}}
    extra = _typed()
    extra["types"]["Delivery"].append({"name": "memo", "type": "string"})
    for typed in (permit, foreign, extra):
        with pytest.raises(ApplicationError) as exc:
            delivery_digest(typed)
        assert exc.value.code == "invalid_delivery"
