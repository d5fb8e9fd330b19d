"""What the paying agent withholds from a holder's income: one rate per (source country, tax
residence, individual or corporate, kind of income), from settings.WITHHOLDING_RATES (each
row cites its source there).

- residence: the investor profile's tax residency, else its residence country;
- individual or corporate: the profile's kind (an entity is corporate);
- the investor's TaxProfile overrides the table: exempt -> 0, treaty -> its treaty rate;
- no investor profile: the table's ("*", "*", "*") row, its most conservative rate.

The category says which row applied (e.g. "JP:JP/individual/interest", "treaty", "exempt"),
is kept on each entitlement line and shown to its holder. The amounts are computed by
servicing.entitlements (rounded DOWN: tax never takes more than the rate)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

INCOMES = ("interest", "dividend", "distribution")
INDIVIDUAL, CORPORATE = "individual", "corporate"
ANY = "*"
_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Withholding:
    rate: Decimal          # percent, 4 places
    category: str          # the row (or override) that applied
    residence: str         # ISO country, "" when unknown


def _rate(value: object) -> Decimal:
    return Decimal(str(value)).quantize(_PLACES)


def table_rate(*, source: str, residence: str, kind: str, income: str) -> Withholding:
    """The most specific row of the source's table for (residence, kind, income)."""
    if income not in INCOMES:
        raise ValueError(f"income must be one of {INCOMES}, not {income!r}")
    tables = settings.WITHHOLDING_RATES
    source_key = source if source in tables else ANY
    table = tables[source_key]
    if residence and kind:
        candidates = [(r, k, i) for r in (residence, ANY) for k in (kind, ANY) for i in (income, ANY)]
    else:   # no profile: the conservative catch-all
        candidates = [(ANY, ANY, ANY)]
    for key in candidates:
        if key in table:
            return Withholding(rate=_rate(table[key]), category=f"{source_key}:{'/'.join(key)}",
                               residence=residence)
    raise LookupError(f"WITHHOLDING_RATES[{source_key!r}] has no row for {candidates[-1]}")


def withholding_many(*, investor_ids: Iterable[int], income: str, source: str = "JP") -> dict[int, Withholding]:
    """withholding_for for many investors in two queries (the record close of thousands)."""
    from investors.models import InvestorProfile, TaxProfile

    ids = set(investor_ids)
    profiles = {row[0]: row[1:] for row in _rows(InvestorProfile, ("user_id", "kind", "tax_residency",
                                                                    "residence_country"), ids)}
    overrides = {row[0]: row[1:] for row in _rows(TaxProfile, ("user_id", "exemption", "treaty_rate"), ids)
                 if row[1] != TaxProfile.Exemption.NONE}
    found: dict[int, Withholding] = {}
    cache: dict[tuple[str, str], Withholding] = {}
    for investor_id in ids:
        kind, tax_residency, residence_country = profiles.get(investor_id, ("", "", ""))
        residence = (tax_residency or residence_country or "").upper()
        override = overrides.get(investor_id)
        if override is not None:
            exemption, treaty_rate = override
            if exemption == TaxProfile.Exemption.EXEMPT:
                found[investor_id] = Withholding(rate=_rate(0), category="exempt", residence=residence)
            else:
                found[investor_id] = Withholding(rate=_rate(treaty_rate), category="treaty", residence=residence)
            continue
        if investor_id not in profiles:
            residence, kind_key = "", ""
        else:
            kind_key = CORPORATE if kind == InvestorProfile.Kind.ENTITY else INDIVIDUAL
        key = (residence, kind_key)
        if key not in cache:
            cache[key] = table_rate(source=source, residence=residence, kind=kind_key, income=income)
        found[investor_id] = cache[key]
    return found


def _rows(model, columns: tuple[str, ...], ids: set[int]) -> list[tuple]:
    """`columns` of `model`'s rows whose user_id is in `ids`: one array parameter (user_id =
    ANY), not one placeholder per id (10,000 holders at a record close)."""
    matches = RawSQL("user_id = ANY(%s)", (sorted(ids),), output_field=BooleanField())
    return list(model.objects.filter(matches).values_list(*columns))


def withholding_for(*, investor, income: str, source: str = "JP") -> Withholding:
    """The rate withheld from `investor`'s `income` ("interest" | "dividend" | "distribution")
    paid on a security of an issuer of `source` (its jurisdiction)."""
    return withholding_many(investor_ids=[investor.pk], income=income, source=source)[investor.pk]


def income_of(kind: str) -> str:
    """The kind of income a corporate action pays: coupons and redemptions' last coupon are
    interest, dividends dividends, fund distributions distributions."""
    return {"coupon": "interest", "redemption": "interest", "call": "interest", "dividend": "dividend",
            "distribution": "distribution"}[kind]
