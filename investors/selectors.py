"""Reads for investors, scoped by who asks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User

from .models import InvestorProfile, KycDocument, Wallet, WalletChallenge


def profile_for(*, user: User) -> InvestorProfile | None:
    return InvestorProfile.objects.filter(user=user).first()


def missing_items(profile: InvestorProfile | None) -> list[str]:
    """What the investor still has to provide before submitting (empty = ready)."""
    if profile is None:
        return [_("Fill in your profile."), _("Upload an identity document.")]
    missing = []
    person = profile.kind == InvestorProfile.Kind.INDIVIDUAL
    checks = [
        (profile.legal_name, _("Legal name")),
        (profile.birth_date, _("Date of birth") if person else _("Date of incorporation")),
        (profile.identity_number, _("Identity or registration number")),
        (profile.address, _("Address")),
        (profile.nationality, _("Nationality or country of incorporation")),
        (profile.residence_country, _("Country of residence")),
        (profile.tax_residency, _("Tax residency")),
        (profile.investor_status, _("Investor status")),
    ]
    missing += [label for value, label in checks if not value]
    if (profile.investor_status and profile.investor_status != InvestorProfile.InvestorStatus.RETAIL
            and not profile.status_basis):
        missing.append(_("Basis for the investor status"))
    if not person and not profile.beneficial_owners:
        missing.append(_("Beneficial owners"))
    if not profile.documents.exists():
        missing.append(_("Upload an identity document."))
    return missing


def documents_for(*, user: User) -> list[KycDocument]:
    return list(KycDocument.objects.filter(profile__user=user).order_by("id"))


def wallets_for(*, user: User, include_removed: bool = False) -> list[Wallet]:
    # Never the custodied key (investors/custody.py): pages and the API do not need it.
    qs = Wallet.objects.filter(profile__user=user).defer("custody_key")
    if not include_removed:
        qs = qs.filter(status=Wallet.Status.ACTIVE)
    return list(qs.order_by("id"))


def open_challenge_for(*, user: User, pk: int) -> WalletChallenge | None:
    return WalletChallenge.objects.filter(user=user, pk=pk, used_at__isnull=True).first()
