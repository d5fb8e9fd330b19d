"""Proof of wallet ownership: an EIP-191 personal_sign message with a server nonce and an
expiry, checked with eth_account (no web3 here: that belongs to chain/)."""

from __future__ import annotations

import re
from datetime import datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_address, to_checksum_address

SIGNATURE = re.compile(r"^0x[0-9a-fA-F]{130}$")


def checksum(address: str) -> str | None:
    """The EIP-55 form of a 0x address, or None when it is not one."""
    address = (address or "").strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address) or not is_address(address):
        return None
    if address != address.lower() and address[2:] != address[2:].upper() and to_checksum_address(address) != address:
        return None  # mixed case with a wrong EIP-55 checksum: a typo
    return to_checksum_address(address)


def challenge_message(*, address: str, account: str, nonce: str, issued_at: datetime, expires_at: datetime,
                      site: str = "Shoken") -> str:
    return (
        f"{site} asks you to prove that you control this wallet.\n\n"
        f"Wallet: {address}\n"
        f"Account: {account}\n"
        f"Nonce: {nonce}\n"
        f"Issued at: {issued_at:%Y-%m-%dT%H:%M:%SZ}\n"
        f"Expires at: {expires_at:%Y-%m-%dT%H:%M:%SZ}\n\n"
        "Signing costs nothing and sends no transaction."
    )


def recover_signer(message: str, signature: str) -> str | None:
    """The checksummed address that signed `message` (personal_sign), or None."""
    signature = (signature or "").strip()
    if not SIGNATURE.match(signature):
        return None
    try:
        return to_checksum_address(Account.recover_message(encode_defunct(text=message), signature=signature))
    except (ValueError, TypeError):
        return None
