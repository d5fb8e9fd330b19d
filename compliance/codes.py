"""Codes shown as words. The rule engine (compliance.rules.Code) and the KYC screening
(compliance.services._screen: ``sanctions_match``, ``flagged_country:IR``) speak in codes; a
person reads a sentence in their language. One function, ``describe``, is the only place that
turns a code into words: the review queue, the review page, the offering pre-checks and the
register's transfer pre-check all call it.

    describe("flagged_country:IR")  ->  "Country on the high-risk list: Iran, Islamic Republic of"
    describe(Code.NOT_ACCREDITED)   ->  "Only accredited investors may hold this security."
"""

from __future__ import annotations

import gettext as gettext_module
from functools import lru_cache

import pycountry
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .rules import Code

#: What the screening writes into KycReview.risk_reasons (a code, or "code:argument").
SANCTIONS_MATCH = "sanctions_match"
FLAGGED_COUNTRY = "flagged_country"

_RULES = {
    Code.SUCCESS: gettext_lazy("Allowed."),
    Code.PAUSED: gettext_lazy("Transfers of this security are paused."),
    Code.FROM_NOT_REGISTERED: gettext_lazy("The sending wallet is not registered to a verified investor."),
    Code.TO_NOT_REGISTERED: gettext_lazy("The receiving wallet is not registered to a verified investor."),
    Code.FROM_KYC_EXPIRED: gettext_lazy("The sender's identity verification has expired."),
    Code.TO_KYC_EXPIRED: gettext_lazy("The recipient's identity verification has expired."),
    Code.FROM_FROZEN: gettext_lazy("The sending wallet is frozen."),
    Code.TO_FROZEN: gettext_lazy("The receiving wallet is frozen."),
    Code.INSUFFICIENT_FREE_BALANCE: gettext_lazy("The amount is more than the balance free to move."),
    Code.LOCKED_UP: gettext_lazy("The securities are still in their lock-up period."),
    Code.COUNTRY_NOT_ALLOWED: gettext_lazy("This security is not open to residents of the investor's country."),
    Code.NOT_ACCREDITED: gettext_lazy("Only accredited investors may hold this security."),
    Code.NOT_QUALIFIED: gettext_lazy("Only qualified or professional investors may hold this security."),
    Code.MAX_BALANCE_EXCEEDED: gettext_lazy("The holding would be more than the maximum allowed per investor."),
    Code.MAX_HOLDERS_REACHED: gettext_lazy("The security already has the maximum number of holders."),
    Code.KYC_NOT_APPROVED: gettext_lazy("Identity verification (KYC) is not complete."),
    Code.INVESTOR_TYPE_NOT_ALLOWED: gettext_lazy("The investor's category may not hold this security."),
    Code.BELOW_MIN_HOLDING: gettext_lazy("The holding would be less than the minimum allowed."),
    Code.INVALID_AMOUNT: gettext_lazy("The amount must be a positive number of units."),
}

#: Every code the screening can write (with its argument, when it takes one).
SCREENING_CODES = (SANCTIONS_MATCH, FLAGGED_COUNTRY)


@lru_cache(maxsize=8)
def _country_catalog(language: str):
    return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_label(alpha_2: str) -> str:
    """The country's name in the active language (pycountry's ISO 3166 catalogs); the code
    itself when it is not a country."""
    country = pycountry.countries.get(alpha_2=(alpha_2 or "").upper()) if alpha_2 else None
    if country is None:
        return alpha_2 or "—"
    language = (get_language() or "en").split("-")[0]
    if language == "en":
        return country.name
    return _country_catalog(language).gettext(country.name)


def describe(code: object) -> str:
    """The sentence a person reads for a rule-engine code (a Code, its number, or its name such
    as ``country_not_allowed``) or a screening reason (``sanctions_match``,
    ``flagged_country:IR``). An unknown code is shown as itself, after a translated lead-in."""
    if isinstance(code, Code) or (isinstance(code, int) and not isinstance(code, bool)):
        try:
            return str(_RULES[Code(code)])
        except ValueError:
            return _("Unknown reason: %(code)s") % {"code": code}
    text = str(code or "")
    name, _sep, argument = text.partition(":")
    if name == SANCTIONS_MATCH:
        return _("Possible match on a sanctions list")
    if name == FLAGGED_COUNTRY:
        return _("Country on the high-risk list: %(country)s") % {"country": country_label(argument)}
    member = Code.__members__.get(name.upper())
    if member is not None and not argument:
        return str(_RULES[member])
    return _("Unknown reason: %(code)s") % {"code": text}


def describe_all(codes) -> list[str]:
    return [describe(code) for code in codes or ()]
