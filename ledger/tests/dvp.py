"""Delivery-versus-payment test setup shared by the settlement and board tests: a JPY cash
token, a seller holding bond units, a buyer holding cash (each with a wallet whose key the
test knows, to sign the EIP-712 Delivery as a wallet would), and the Settlement contract's
terms.

The terms come through settings.SETTLEMENT_TERMS, the one door from the register to chain/:
here `fixed_terms`, the domain of anvil's first deployment and one address per token, so
these tests need no chain (the real contract is exercised by chain/'s and the e2e tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from eth_account import Account

from accounts.models import Role, User
from accounts.tests.factories import UserFactory
from compliance.tests.factories import approve_profile
from core.models import OutboxEntry
from investors.models import InvestorProfile, Wallet
from investors.tests.factories import VERIFIED_INVESTOR_KEY, InvestorProfileFactory, WalletFactory
from issuance.models import Security
from issuance.tests.factories import SecurityFactory
from ledger.models import Position, Settlement, TokenAction, TradeOffer
from ledger.services import tokens_issue

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
BUYER_KEY = "0x" + (777_001).to_bytes(32, "big").hex()
TREASURY_KEY = "0x" + (777_002).to_bytes(32, "big").hex()
STRANGER_KEY = "0x" + (777_003).to_bytes(32, "big").hex()


def fixed_terms(security_ids: list[int]) -> dict:
    return {"domain": {"name": "Shoken Settlement", "version": "1", "chainId": 31337, "verifyingContract": CONTRACT},
            "tokens": {pk: Account.from_key("0x" + (900_000 + pk).to_bytes(32, "big").hex()).address
                       for pk in security_ids}}


def investor_with_key(email: str, key: str, *, role: str = Role.INVESTOR) -> tuple[User, Wallet]:
    user = UserFactory(email=email, role=role)
    profile = InvestorProfileFactory(user=user, investor_status=InvestorProfile.InvestorStatus.QUALIFIED,
                                     status_basis="test")
    wallet = WalletFactory(profile=profile, address=Account.from_key(key).address)
    approve_profile(profile)
    return user, wallet


def sign(typed: dict, key: str) -> str:
    return "0x" + bytes(Account.sign_typed_data(key, full_message=typed).signature).hex()


def snapshot() -> tuple:
    """Everything a refused step must leave as it was."""
    return (list(Position.objects.values_list("security_id", "wallet", "balance", "frozen", "held")
                 .order_by("security_id", "wallet")),
            TokenAction.objects.count(), OutboxEntry.objects.count(),
            list(Settlement.objects.values_list("pk", "status", "buyer_signature", "seller_signature").order_by("pk")),
            list(TradeOffer.objects.values_list("pk", "status").order_by("pk")))


def balanced() -> bool:
    """free + held + frozen = balance, and nothing negative, for every position."""
    return all(p.free >= 0 and p.free + int(p.held) + int(p.frozen) == int(p.balance)
               for p in Position.objects.all())


@dataclass
class Market:
    bond: Security
    cash: Security
    seller: User
    seller_wallet: Wallet
    buyer: User
    buyer_wallet: Wallet
    issuer_admin: User

    def later(self, **delta) -> dt.datetime:
        return timezone.now() + dt.timedelta(**delta)


def use_fixed_terms(settings) -> None:
    settings.SETTLEMENT_TERMS = "ledger.tests.dvp.fixed_terms"
    settings.SETTLEMENT_SUBMIT_MARGIN_SECONDS = 30


def market_open(*, bond: Security, issuer_admin: User, seller: User) -> Market:
    """The seller (verified_investor) holds 10 bond units; the buyer 10,000 JPY of cash."""
    cash = SecurityFactory(issuer=bond.issuer, created_by=issuer_admin, kind=Security.Kind.CASH, name="JPY coin",
                           symbol="JPYTC", currency="JPY", decimals=0)
    seller_wallet = Wallet.objects.get(profile__user=seller)
    assert Account.from_key(VERIFIED_INVESTOR_KEY).address == seller_wallet.address
    buyer, buyer_wallet = investor_with_key("buyer@example.test", BUYER_KEY)
    tokens_issue(security=bond, wallet=seller_wallet, amount=10, actor=issuer_admin, reason="")
    tokens_issue(security=cash, wallet=buyer_wallet, amount=10_000, actor=issuer_admin, reason="")
    return Market(bond=bond, cash=cash, seller=seller, seller_wallet=seller_wallet, buyer=buyer,
                  buyer_wallet=buyer_wallet, issuer_admin=issuer_admin)
