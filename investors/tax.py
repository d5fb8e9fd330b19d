"""An investor's tax profile: what changes the withholding on their coupons, dividends and
distributions (an exemption, or a reduced treaty rate), set by a compliance officer with the
basis on file (a certificate or a reference). The rate itself is the paying agent's
(servicing.withholding); this app does not import servicing, so it only says which situation
applies: residence, individual or corporate, exemption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import access_deny
from accounts.models import Role, User
from accounts.policy import Action, policy_ensure
from core.audit import audit_record
from core.errors import ApplicationError

from .models import InvestorProfile, TaxProfile

#: A treaty rate is a percentage with at most this many decimals (the column's scale).
RATE_PLACES = 4
BASIS_MAX = 200
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)

INDIVIDUAL, CORPORATE = "individual", "corporate"
HOLDER_KINDS = {INDIVIDUAL: gettext_lazy("Individual"), CORPORATE: gettext_lazy("Corporate")}


@dataclass(frozen=True)
class TaxSituation:
    """What decides an investor's withholding, as the investor and the desk read it."""

    residence: str          # ISO country ("" when the profile names none)
    holder_kind: str        # "individual" | "corporate"
    exemption: str          # TaxProfile.Exemption value
    treaty_rate: Decimal | None
    basis: str

    @property
    def holder_kind_label(self) -> str:
        return str(HOLDER_KINDS[self.holder_kind])

    @property
    def treaty_rate_text(self) -> str:
        """The treaty rate without trailing zeros ("10", "15.315"); "" without one."""
        return "" if self.treaty_rate is None else format_rate(self.treaty_rate)

    @property
    def exemption_label(self) -> str:
        return str(TaxProfile.Exemption(self.exemption).label)


def format_rate(rate: Decimal) -> str:
    """A percentage as people write it: "20.315", "10", "0"."""
    return format(rate.normalize(), "f") if rate else "0"


def tax_situation(*, user: User) -> TaxSituation:
    """The investor's residence for tax (the profile's tax residency, else its residence
    country), individual or corporate (the profile's kind) and their exemption (none without a
    tax profile). A read: no access check here (callers show it to the investor or the desk)."""
    profile = InvestorProfile.objects.filter(user=user).first()
    residence = ((profile.tax_residency or profile.residence_country) if profile else "").upper()
    kind = CORPORATE if profile is not None and profile.kind == InvestorProfile.Kind.ENTITY else INDIVIDUAL
    tax = TaxProfile.objects.filter(user=user).first()
    if tax is None:
        return TaxSituation(residence, kind, TaxProfile.Exemption.NONE, None, "")
    return TaxSituation(residence, kind, tax.exemption, tax.treaty_rate, tax.basis)


def _rate(value: object) -> Decimal | None:
    """A treaty rate from a form or the API: a Decimal, an int or a plain decimal string."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError
    if isinstance(value, str):
        value = value.strip()
        if not _PLAIN_DECIMAL.fullmatch(value):   # no exponent, NaN, "1_0" or other scripts' digits
            raise ValueError
    try:
        rate = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError from exc
    if not rate.is_finite():
        raise ValueError
    return rate


def _clean(*, exemption: object, treaty_rate: object, basis: object) -> tuple[str, Decimal | None, str]:
    errors: dict[str, list[str]] = {}
    if exemption not in TaxProfile.Exemption.values:
        errors["exemption"] = [_("Choose none, exempt or a treaty rate.")]
    if not isinstance(basis, str) or "\x00" in basis:
        errors["basis"] = [_("Enter the basis as text.")]
        basis = ""
    basis = basis.strip()
    if len(basis) > BASIS_MAX:
        errors["basis"] = [_("At most %(n)d characters.") % {"n": BASIS_MAX}]
    try:
        rate = _rate(treaty_rate)
    except ValueError:
        errors["treaty_rate"] = [_("Enter the rate as a number such as 10 or 15.315.")]
        rate = None
    if "exemption" not in errors and "treaty_rate" not in errors:
        if exemption == TaxProfile.Exemption.TREATY:
            if rate is None:
                errors["treaty_rate"] = [_("A treaty rate is required.")]
            elif not Decimal(0) <= rate <= Decimal(100):
                errors["treaty_rate"] = [_("The rate must be between 0 and 100.")]
            elif rate.as_tuple().exponent < -RATE_PLACES and rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
                errors["treaty_rate"] = [_("At most %(n)d decimal places.") % {"n": RATE_PLACES}]
        elif rate is not None:
            errors["treaty_rate"] = [_("Only a treaty exemption has a rate.")]
    if exemption in (TaxProfile.Exemption.EXEMPT, TaxProfile.Exemption.TREATY) and not basis \
            and "basis" not in errors:
        errors["basis"] = [_("Name the certificate or reference on file.")]
    if errors:
        raise ApplicationError(_("The tax profile was not saved."), code="invalid", fields=errors)
    if rate is not None:
        rate = rate.quantize(Decimal(1).scaleb(-RATE_PLACES))
    return str(exemption), rate, basis


@transaction.atomic(durable=True)
def tax_profile_set(*, investor: User, exemption: str, treaty_rate: object = None, basis: str = "",
                    actor: User) -> TaxProfile:
    """Set what changes an investor's withholding (compliance officers, who check the basis):
    `none` (the rate table's rate for their residence and kind), `exempt` (nothing withheld;
    the basis names the certificate) or `treaty` (`treaty_rate` percent, 0..100 with at most 4
    decimals, and its basis). Lines already written keep the rate they were computed with; the
    next record uses this one. Audited as `tax_profile.set` with the old and new values."""
    policy_ensure(actor, Action.TAX_PROFILE_SET)
    if investor is None or investor.role != Role.INVESTOR:
        access_deny(actor, object_type="investors.taxprofile", object_id=getattr(investor, "pk", ""),
                    message=_("No such investor."))
    exemption, rate, basis = _clean(exemption=exemption, treaty_rate=treaty_rate, basis=basis)
    current = TaxProfile.objects.select_for_update().filter(user=investor).first()
    old = None if current is None else {
        "exemption": current.exemption, "treaty_rate": current.treaty_rate, "basis": current.basis}
    profile = current or TaxProfile(user=investor)
    profile.exemption, profile.treaty_rate, profile.basis, profile.checked_by = exemption, rate, basis, actor
    profile.save()
    audit_record(action="tax_profile.set", actor=actor, obj=profile, old=old,
                 new={"investor": investor.pk, "exemption": exemption, "treaty_rate": rate, "basis": basis})
    return profile
