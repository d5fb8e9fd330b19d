"""The investor's onboarding tracker: profile, document, wallet, verified, eligible, each
computed from the real state (the profile and its documents, the proven wallets, the KYC
status and its expiry on the business date, and the rule engine over the open offerings).
The investor dashboard shows it until every step is done (servicing.dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from compliance import rules
from compliance.selectors import profile_facts
from core.clock import business_today
from investors.models import InvestorProfile, KycDocument, Wallet
from investors.selectors import missing_items

from .models import Offering

Kyc = InvestorProfile.KycStatus
#: Statuses reached only by submitting a complete profile with its document.
_SUBMITTED = {Kyc.SUBMITTED, Kyc.APPROVED, Kyc.EXPIRED}


@dataclass(frozen=True)
class Step:
    key: str          # profile, document, wallet, verified, eligible
    label: str
    done: bool
    detail: str
    url_name: str     # where the investor acts on this step
    action: str       # the link's words ("" when done)


@dataclass(frozen=True)
class Onboarding:
    steps: list[Step]
    eligible_offerings: int

    @property
    def done(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def _verified(profile: InvestorProfile | None, today: date) -> tuple[bool, str]:
    if profile is None or profile.kyc_status == Kyc.DRAFT:
        return False, _("Submit your profile for review once it is complete.")
    status = profile.kyc_status
    if status == Kyc.APPROVED and profile.kyc_expires_on is not None and profile.kyc_expires_on < today:
        return False, _("Your verification has expired: compliance will review your profile again.")
    if status == Kyc.APPROVED:
        if profile.kyc_expires_on is not None:
            return True, _("Verified until %(date)s.") % {"date": profile.kyc_expires_on.isoformat()}
        return True, _("Verified by compliance.")
    if status == Kyc.SUBMITTED:
        return False, _("Compliance is reviewing your profile.")
    if status == Kyc.MORE_INFO:
        return False, _("Compliance asked for more information: see the message on your profile.")
    if status == Kyc.REJECTED:
        return False, _("Your verification was declined: see the reason on your profile.")
    return False, _("Your verification has expired: compliance will review your profile again.")


def onboarding_for(*, user: User, today: date | None = None) -> Onboarding:
    """The five steps for `user`, from what the register knows now (a handful of queries,
    however many offerings are open)."""
    today = today or business_today()
    profile = InvestorProfile.objects.filter(user=user).first()
    has_document = profile is not None and KycDocument.objects.filter(profile=profile).exists()
    has_wallet = profile is not None and Wallet.objects.filter(profile=profile, status=Wallet.Status.ACTIVE).exists()
    submitted = profile is not None and profile.kyc_status in _SUBMITTED
    if submitted:
        profile_done = True
    else:
        # missing_items lists the identity document as one more item when there is none
        profile_done = profile is not None and len(missing_items(profile)) == (0 if has_document else 1)
    verified, verified_detail = _verified(profile, today)
    eligible = 0
    if verified and profile is not None:
        facts = profile_facts(profile, investor_id=user.pk, wallet_registered=has_wallet)
        offerings = Offering.objects.filter(status=Offering.Status.PUBLISHED).select_related("security")
        eligible = sum(rules.check_eligibility(investor=facts, rules=o.security.rules(), today=today).allowed
                       for o in offerings)
    steps = [
        Step("profile", _("Profile"), profile_done,
             _("Your profile is complete.") if profile_done else _("Fill in every field of your profile."),
             "investors:profile", "" if profile_done else _("Complete my profile")),
        Step("document", _("Identity document"), has_document or submitted,
             _("Your identity document is on file.") if has_document or submitted
             else _("Upload a passport, identity card or certificate of incorporation."),
             "investors:profile", "" if has_document or submitted else _("Upload a document")),
        Step("wallet", _("Wallet"), has_wallet,
             _("Your wallet is registered.") if has_wallet else _("Prove that you own a wallet to receive securities."),
             "investors:wallets", "" if has_wallet else _("Register a wallet")),
        Step("verified", _("Verified"), verified, verified_detail,
             "investors:profile", "" if verified else _("Open my verification")),
        Step("eligible", _("Eligible"), eligible > 0,
             (ngettext("You may subscribe to %(n)s open offering.", "You may subscribe to %(n)s open offerings.",
                       eligible) % {"n": eligible}) if eligible
             else _("No open offering accepts you yet."),
             "issuance:market", _("Browse offerings") if eligible or verified else ""),
    ]
    return Onboarding(steps=steps, eligible_offerings=eligible)
