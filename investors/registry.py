"""The on-chain investor registry's view of an investor, as outbox payloads (core/outbox_payloads.py).

investor_id is the user's id (the one id every app already has); country is ISO 3166-1
numeric; kyc_expiry is the last second (inclusive, as the contract reads it) of the expiry
day in unix seconds.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from core import countries
from core.clock import calendar_date
from core.outbox import outbox_put
from core.outbox_payloads import RegisterWallet, RevokeWallet, UpdateInvestor

from .models import InvestorProfile, Wallet


def kyc_expiry_unix(expires_on: date | None) -> int:
    """The last second of business day `expires_on` as the instant the registry contract checks
    against block time (core.clock.calendar_date), or 0 for none."""
    if expires_on is None:
        return 0
    return calendar.timegm((calendar_date(expires_on) + timedelta(days=1)).timetuple()) - 1


def attributes(profile: InvestorProfile) -> UpdateInvestor:
    approved = profile.kyc_status == InvestorProfile.KycStatus.APPROVED
    return UpdateInvestor(
        investor_id=profile.user_id,
        country=countries.numeric(profile.residence_country) if profile.residence_country else 0,
        kyc_expiry=kyc_expiry_unix(profile.kyc_expires_on) if approved else 0,
        accredited=profile.accredited,
        qualified=profile.qualified,
    )


def register_wallet(*, wallet: Wallet, profile: InvestorProfile) -> None:
    outbox_put(RegisterWallet(wallet=wallet.address, **vars(attributes(profile))),
               idempotency_key=f"wallet:{wallet.pk}:add")
    Wallet.objects.filter(pk=wallet.pk).update(on_registry=True)
    wallet.on_registry = True


def revoke_wallet(*, wallet: Wallet, profile: InvestorProfile) -> None:
    outbox_put(RevokeWallet(investor_id=profile.user_id, wallet=wallet.address),
               idempotency_key=f"wallet:{wallet.pk}:remove")


def update_investor(*, profile: InvestorProfile, cause: str) -> None:
    """Write the investor's current attributes; `cause` names why (the idempotency key).
    Wallets not yet on the registry are registered (which sets the attributes too); the
    contract refuses updateInvestor for an investor without a wallet, so none is written then."""
    pending = list(profile.wallets.filter(status=Wallet.Status.ACTIVE, on_registry=False))
    for wallet in pending:
        register_wallet(wallet=wallet, profile=profile)
    if profile.wallets.filter(on_registry=True).exists():
        outbox_put(attributes(profile), idempotency_key=cause)
