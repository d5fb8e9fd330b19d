"""Per-instruction authorizations: the EIP-712 typed data of a settlement contract's Delivery,
exactly as a wallet signs it (MetaMask's eth_signTypedData_v4), and the check of who signed.

The Settlement contract (platform/src/Settlement.sol, OpenZeppelin EIP712) hashes the same
struct under the domain {name "Shoken Settlement", version "1", chainId, verifyingContract},
so a signature names one chain and one contract and cannot be replayed elsewhere. The checks
here are the contract's own (OpenZeppelin ECDSA): 65 bytes, v 27 or 28, s in the lower half
of the curve order; what passes here passes on chain, and the other way round.
eth_account only: web3 belongs to chain/.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils import keccak, to_checksum_address

from core.errors import ApplicationError

from .wallet_proof import checksum

DOMAIN_NAME = "Shoken Settlement"
DOMAIN_VERSION = "1"
DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
# The order is the contract's: Delivery(address security,uint256 units,address seller,address buyer,
# address cash,uint256 price,uint256 nonce,uint256 deadline).
DELIVERY_TYPE = [
    {"name": "security", "type": "address"},
    {"name": "units", "type": "uint256"},
    {"name": "seller", "type": "address"},
    {"name": "buyer", "type": "address"},
    {"name": "cash", "type": "address"},
    {"name": "price", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
UINT256_MAX = 2**256 - 1
# secp256k1's group order: a signature with s above half of it is the malleable twin of another
# (EIP-2), which OpenZeppelin's ECDSA refuses.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")


def _bad_delivery(field: str) -> ApplicationError:
    return ApplicationError(_("The settlement instruction is not valid (%(field)s).") % {"field": field},
                            code="invalid_delivery")


def _address(value, field: str) -> str:
    # Lower or upper case, or mixed case with a right EIP-55 checksum (a wrong one is a typo).
    address = checksum(value) if isinstance(value, str) else None
    if address is None:
        raise _bad_delivery(field)
    return address


def _uint(value, field: str) -> int:
    if isinstance(value, bool):
        raise _bad_delivery(field)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,78}", value):
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= UINT256_MAX:
        raise _bad_delivery(field)
    return value


def delivery_typed_data(domain: dict, delivery: dict) -> dict:
    """The full eth_signTypedData_v4 JSON of one Delivery: types (with EIP712Domain),
    primaryType, domain (chainId a number, as chain.selectors.settlement_terms gives it) and
    message (addresses EIP-55, uint256 values as decimal strings: JavaScript numbers stop
    being exact at 2**53). Raises ApplicationError invalid_delivery on a missing or bad field."""
    if not isinstance(domain, dict) or not isinstance(delivery, dict):
        raise _bad_delivery("domain" if not isinstance(domain, dict) else "message")
    if domain.get("name") != DOMAIN_NAME or domain.get("version") != DOMAIN_VERSION:
        raise _bad_delivery("domain")
    message = {}
    for entry in DELIVERY_TYPE:
        name = entry["name"]
        value = delivery.get(name)
        if entry["type"] == "address":
            message[name] = _address(value, name)
        else:
            message[name] = str(_uint(value, name))
    return {
        "types": {"EIP712Domain": [dict(f) for f in DOMAIN_TYPE], "Delivery": [dict(f) for f in DELIVERY_TYPE]},
        "primaryType": "Delivery",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": _uint(domain.get("chainId"), "chainId"),
            "verifyingContract": _address(domain.get("verifyingContract"), "verifyingContract"),
        },
        "message": message,
    }


def delivery_of(typed: dict) -> dict:
    """The Delivery a typed-data JSON carries, rebuilt through delivery_typed_data, so only
    our own struct in our own domain passes (never some other typed data, such as a permit):
    {"domain": ..., "message": ...} with the message's integers as ints."""
    if not isinstance(typed, dict) or typed.get("primaryType") != "Delivery":
        raise _bad_delivery("primaryType")
    rebuilt = delivery_typed_data(typed.get("domain"), typed.get("message"))
    if typed.get("types") != rebuilt["types"]:
        raise _bad_delivery("types")
    message = {name: (int(value) if name not in ("security", "seller", "buyer", "cash") else value)
               for name, value in rebuilt["message"].items()}
    return {"domain": rebuilt["domain"], "message": message}


def _signable(typed: dict) -> SignableMessage:
    delivery = delivery_of(typed)
    return encode_typed_data(full_message=delivery_typed_data(delivery["domain"], delivery["message"]))


def delivery_digest(typed: dict) -> bytes:
    """The 32-byte EIP-712 digest (keccak256(0x1901 || domainSeparator || structHash)) that the
    wallet signs and the contract's deliveryDigest returns."""
    signable = _signable(typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def _malformed() -> ApplicationError:
    message = _("The signature is malformed: it must be 0x followed by 130 hexadecimal characters from a wallet.")
    return ApplicationError(message, code="malformed_signature", fields={"signature": [message]})


def signature_normalize(signature: str) -> str:
    """The signature as 0x + 130 lowercase hex characters, refused (malformed_signature) unless
    the contract would accept its shape: 65 bytes r || s || v with v 27 or 28 and a low s."""
    signature = signature.strip() if isinstance(signature, str) else ""
    if not SIGNATURE.match(signature):
        raise _malformed()
    raw = bytes.fromhex(signature[2:])
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= SECP256K1_N // 2:
        raise _malformed()
    return "0x" + raw.hex()


def signer_of(typed: dict, signature: str) -> str:
    """The EIP-55 address whose key made `signature` over `typed` (a Delivery's typed data)."""
    normalized = signature_normalize(signature)
    signable = _signable(typed)
    try:
        signer = Account.recover_message(signable, signature=bytes.fromhex(normalized[2:]))
    except (BadSignature, ValueError, TypeError) as exc:  # r is no point's x: no key made it
        raise _malformed() from exc
    return to_checksum_address(signer)


def signature_check(typed: dict, signature: str, wallet: str) -> str:
    """Refuse unless `wallet` signed `typed`: malformed_signature (400) for a signature no
    contract would take, invalid_signature (400) for one made by another key or over other
    terms. Returns the signature normalized (0x + 130 lowercase hex), as the chain gets it."""
    normalized = signature_normalize(signature)
    signer = signer_of(typed, normalized)
    if signer != to_checksum_address(wallet):
        message = _("The signature was not made by wallet %(wallet)s for these terms.") % {
            "wallet": to_checksum_address(wallet)}
        raise ApplicationError(message, code="invalid_signature", fields={"signature": [message]})
    return normalized
