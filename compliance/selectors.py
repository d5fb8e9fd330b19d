"""Reads for compliance: the facts the rule engine needs, and the review queue."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import desk_ensure
from accounts.models import User
from accounts.policy import Action
from investors.models import InvestorProfile, Wallet
from investors.wallet_proof import checksum

from .models import KycReview
from .rules import InvestorFacts, InvestorType


def investor_facts_for(*, user: User, wallet: str | None = None) -> InvestorFacts:
    """What compliance.rules needs to know about `user` (investor_id is the user's id, the
    same id the on-chain registry uses). With `wallet`, wallet_registered says whether that
    address is an active, proven wallet of this investor; without it, whether they have any.
    An account without a profile is simply not KYC-approved. Freezes are the ledger's
    business: wallet_frozen is always False here."""
    profile = InvestorProfile.objects.filter(user=user).first()
    if profile is None:
        return InvestorFacts(
            investor_id=user.pk, kyc_approved=False, kyc_expires_on=None, country="",
            investor_type=InvestorType.RETAIL, wallet_registered=False,
        )
    wallets = Wallet.objects.filter(profile=profile, status=Wallet.Status.ACTIVE)
    if wallet is not None:
        address = checksum(wallet)
        registered = address is not None and wallets.filter(address=address).exists()
    else:
        registered = wallets.exists()
    return profile_facts(profile, investor_id=user.pk, wallet_registered=registered)


def profile_facts(profile: InvestorProfile, *, investor_id: int, wallet_registered: bool,
                  wallet_frozen: bool = False) -> InvestorFacts:
    """The rule engine's facts from a profile already loaded (its kyc_status,
    kyc_expires_on, residence_country and investor_status are all it reads): for callers that
    hold the profile and know the wallet's state, e.g. the register's issue path."""
    return InvestorFacts(
        investor_id=investor_id,
        kyc_approved=profile.kyc_status == InvestorProfile.KycStatus.APPROVED,
        kyc_expires_on=profile.kyc_expires_on,
        country=profile.residence_country,
        investor_type=profile.investor_status or InvestorType.RETAIL,
        accredited=profile.accredited,
        qualified=profile.qualified,
        wallet_registered=wallet_registered,
        wallet_frozen=wallet_frozen,
    )


def reviews_queue(
    *, actor: User, status: str = "", country: str = "", risk: str = "", min_age_days: int | None = None,
) -> list[KycReview]:
    """The desk's queue, oldest first (the first 500). Default: the open reviews. Officers only."""
    return list(reviews_filtered(actor=actor, status=status, country=country, risk=risk,
                                 min_age_days=min_age_days)[:500])


def reviews_filtered(
    *, actor: User, status: str = "", country: str = "", risk: str = "", min_age_days: int | None = None,
) -> QuerySet[KycReview]:
    """reviews_queue's rows as a QuerySet, oldest first (the API pages it by keyset)."""
    desk_ensure(actor, Action.KYC_DECIDE, object_type="compliance.queue")
    qs = KycReview.objects.select_related("profile__user", "first_approved_by")
    if status == "all":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=KycReview.OPEN)
    if country:
        qs = qs.filter(country=country.upper())
    if risk:
        qs = qs.filter(risk=risk)
    if min_age_days:
        qs = qs.filter(submitted_at__lte=timezone.now() - timedelta(days=min_age_days))
    return qs.order_by("submitted_at", "id")


def latest_review_for(*, user: User) -> KycReview | None:
    return KycReview.objects.filter(profile__user=user).order_by("-id").first()
