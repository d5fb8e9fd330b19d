"""What issuance's pages show of the chain mirror: a security's token contract address once
deployed. chain/ sits above this app, so the read goes through a dotted path in settings
(TOKEN_ADDRESSES, default chain.selectors.token_addresses), the one door the register uses too
(ledger.settlement_selectors.settlement_terms)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_TOKEN_ADDRESSES = "chain.selectors.token_addresses"


def token_address_of(security_id: int) -> str:
    """The token contract's address (EIP-55), or "" while it is not deployed."""
    reader = import_string(getattr(settings, "TOKEN_ADDRESSES", DEFAULT_TOKEN_ADDRESSES))
    return reader([security_id]).get(int(security_id), "")
