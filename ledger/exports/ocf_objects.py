"""The objects of an OCF 1.2.0 export (Open Cap Table Format), built from the register.

Plain dicts in the shapes of the official schemas (objects/*.schema.json), every field the
schemas close with `additionalProperties: false` and nothing else. The choices made where the
register and OCF do not meet one to one:

- Ids: stakeholders are investors, "investor-<user id>"; a stock class per equity security,
  "stock-class-<security id>"; its legend template "legend-<security id>"; OCF securities are
  the lots of ledger.exports.lots (their ids); transactions "tx-<kind>-<lot id>".
- A transfer consumes the transferor's lots first in, first out: one TX_STOCK_TRANSFER per lot
  consumed, naming its resulting lot (the transferee's) and, for a partial transfer, its balance
  lot (what the transferor keeps). OCF's transfer names no stakeholder, so each resulting and
  balance lot is a TX_STOCK_ISSUANCE of its own (to its holder, at the source lot's price), as
  the standard's transfers expect: every resulting/balance security id resolves to an issuance.
- A forced transfer (compliance, four eyes) is a TX_STOCK_TRANSFER whose comments say it was
  forced and give the recorded legal reason; a settled trade's delivery says so in
  consideration_text.
- A redemption is a TX_STOCK_CANCELLATION, not a TX_STOCK_REPURCHASE: the register records a
  burn of the holder's units with its reason, and OCF's repurchase requires a price per share
  the register does not keep for a redemption (it is the corporate action's business, paid in
  the cash token); a cancellation with the reason says what the register knows and invents
  nothing.
- Prices: an issuance from a subscription carries its offering's price per unit; a direct
  issuance by the issuer has no recorded price, so share_price is 0 in the security's currency
  and the comments say the price was not recorded (the schema requires the field).
- Names: a stakeholder's name is the investor's full name as the cap table shows it to the
  issuer, else "Investor <id>"; no e-mail address or KYC data leaves in the export.
- The issuer's formation_date (required) is not recorded by the platform: the date the issuer
  registered on the platform is given, and its comments say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from issuance.models import Issuer, Security
from issuance.models.securities import Regulation

from .lots import Issuance, LotHistory, Redemption, Transfer

OCF_VERSION = "1.2.0"

#: The register's regulation presets as OCF security law exemptions.
EXEMPTIONS = {
    Regulation.REG_D_506C: {"description": "Regulation D Rule 506(c)", "jurisdiction": "US"},
    Regulation.REG_S: {"description": "Regulation S", "jurisdiction": "US"},
    Regulation.FIEA_ERTR: {"description": "Financial Instruments and Exchange Act: electronically recorded "
                                          "transferable rights offered to qualified investors", "jurisdiction": "JP"},
}

LEGEND_REGULATION = {
    Regulation.REG_D_506C: "Offered under US Regulation D Rule 506(c): restricted securities for accredited "
                           "investors; resale only as the securities laws allow.",
    Regulation.REG_S: "Offered under US Regulation S: not to be offered, sold or transferred to US persons.",
    Regulation.FIEA_ERTR: "Electronically recorded transferable rights under Japan's Financial Instruments and "
                          "Exchange Act, offered to qualified investors: transferable to qualified investors only.",
}


def numeric(units: int | Decimal, decimals: int = 0) -> str:
    """An OCF Numeric (a string, at most 10 decimals) from integer base units, exact for the
    register's 78-digit amounts (scaled in a context wide enough for them, not the default 28 digits)."""
    with localcontext() as ctx:
        ctx.prec = 100
        value = Decimal(int(units)).scaleb(-decimals) if decimals else Decimal(int(units))
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(amount: Decimal | int, currency: str) -> dict:
    return {"amount": format(Decimal(amount), "f"), "currency": currency.upper()}


def stakeholder_id(investor_id: int) -> str:
    return f"investor-{investor_id}"


def stock_class_id(security: Security) -> str:
    return f"stock-class-{security.pk}"


def legend_id(security: Security) -> str:
    return f"legend-{security.pk}"


def issuer_object(issuer: Issuer, *, registered: date) -> dict:
    obj = {
        "object_type": "ISSUER", "id": f"issuer-{issuer.pk}", "legal_name": issuer.legal_name,
        "formation_date": registered.isoformat(), "country_of_formation": issuer.jurisdiction.upper(),
        "comments": ["formation_date: the platform does not record the date of incorporation; this is the date "
                     "the issuer registered on the platform."],
    }
    if issuer.registration_number:   # not a tax id in every jurisdiction: said, not put in tax_ids
        obj["comments"].append(f"Registration number: {issuer.registration_number}")
    if issuer.address.strip():
        obj["address"] = {"address_type": "LEGAL", "street_suite": issuer.address.strip(),
                          "country": issuer.jurisdiction.upper()}
    return obj


@dataclass(frozen=True)
class Holder:
    investor_id: int
    full_name: str
    kind: str             # investors.InvestorProfile.Kind value, "" when no profile


def stakeholder_object(holder: Holder) -> dict:
    name = holder.full_name.strip() or f"Investor {holder.investor_id}"
    return {
        "object_type": "STAKEHOLDER", "id": stakeholder_id(holder.investor_id), "name": {"legal_name": name},
        "stakeholder_type": "INSTITUTION" if holder.kind == "entity" else "INDIVIDUAL",
        "issuer_assigned_id": str(holder.investor_id), "current_relationship": "INVESTOR",
    }


def class_type(security: Security) -> str:
    label = (security.share_class or "").lower()
    return "PREFERRED" if "pref" in label or "優先" in label else "COMMON"


def stock_class_object(security: Security, *, authorized: int, board_approval: date | None) -> dict:
    """`authorized`: the security's authorized shares (its terms, else its control book), 0 when not set."""
    kind = class_type(security)
    comments = ["votes_per_share: the platform does not record voting rights; one vote per share is assumed."]
    obj = {
        "object_type": "STOCK_CLASS", "id": stock_class_id(security),
        "name": f"{security.name} ({security.share_class})" if security.share_class else security.name,
        "class_type": kind, "default_id_prefix": f"{security.symbol}-",
        "initial_shares_authorized": numeric(authorized, security.decimals) if authorized else "UNLIMITED",
        "votes_per_share": "1", "seniority": "2" if kind == "PREFERRED" else "1",
    }
    if not authorized:
        comments.append("initial_shares_authorized: no limit is set on the platform for this security.")
    if security.par_value is not None:
        obj["par_value"] = money(security.par_value, security.currency)
    if board_approval is not None:
        obj["board_approval_date"] = board_approval.isoformat()
    obj["comments"] = comments + [f"Security token {security.symbol} (register security {security.pk})."]
    return obj


def legend_text(security: Security) -> str:
    parts = [f"The shares of {security.name} are security tokens recorded in the register kept by the transfer "
             "agent. They may be held and transferred only between registered wallets of investors whose identity "
             "has been verified and who meet the rules below; a transfer that breaks a rule is refused."]
    if security.regulation in LEGEND_REGULATION:
        parts.append(LEGEND_REGULATION[security.regulation])
    if security.allowed_countries:
        parts.append("Holders must reside in: " + ", ".join(sorted(security.allowed_countries)) + ".")
    if security.blocked_countries:
        parts.append("Holders may not reside in: " + ", ".join(sorted(security.blocked_countries)) + ".")
    if security.investor_types:
        parts.append("Investor types allowed: " + ", ".join(sorted(security.investor_types)) + ".")
    if security.accredited_only:
        parts.append("Accredited investors only.")
    if security.qualified_only:
        parts.append("Qualified investors only.")
    if security.min_holding:
        parts.append(f"Each holder holds at least {numeric(security.min_holding, security.decimals)} shares.")
    if security.max_holding:
        parts.append(f"Each holder holds at most {numeric(security.max_holding, security.decimals)} shares.")
    if security.max_holders:
        parts.append(f"At most {security.max_holders} holders.")
    if security.lockup_until:
        parts.append(f"Locked up until {security.lockup_until.isoformat()}: no transfers before that date.")
    return " ".join(parts)


def legend_object(security: Security) -> dict:
    return {"object_type": "STOCK_LEGEND_TEMPLATE", "id": legend_id(security),
            "name": f"{security.symbol}: transfer restrictions", "text": legend_text(security)}


@dataclass(frozen=True)
class Price:
    amount: Decimal
    currency: str
    source: str          # what the comments say about it


def _issuance(security: Security, *, lot_id: str, holder: int, units: int, day: date, price: Price,
              comments: list[str]) -> dict:
    obj = {
        "object_type": "TX_STOCK_ISSUANCE", "id": f"tx-issuance-{lot_id}", "date": day.isoformat(),
        "security_id": lot_id, "custom_id": f"{security.symbol}-{lot_id}", "stakeholder_id": stakeholder_id(holder),
        "stock_class_id": stock_class_id(security), "share_price": money(price.amount, price.currency),
        "quantity": numeric(units, security.decimals), "stock_legend_ids": [legend_id(security)],
        "security_law_exemptions": [EXEMPTIONS[security.regulation]] if security.regulation in EXEMPTIONS else [],
        "comments": [c for c in [*comments, price.source] if c],
    }
    return obj


def transactions(security: Security, history: LotHistory, prices: dict[int, Price]) -> list[dict]:
    """The security's transactions in register order. `prices`: the issue actions' prices by
    action id (missing: not recorded, 0 in the security's currency)."""
    unrecorded = Price(Decimal(0), security.currency, "share_price: no price is recorded for this issuance (issued "
                                                      "directly by the issuer, not through an offering).")
    lot_price: dict[str, Price] = {}
    out: list[dict] = []
    for event in history.events:
        if isinstance(event, Issuance):
            price = prices.get(event.action_id, unrecorded)
            lot_price[event.lot_id] = price
            out.append(_issuance(security, lot_id=event.lot_id, holder=event.holder, units=event.units, day=event.date,
                                 price=price, comments=[f"Reason: {event.reason}" if event.reason else ""]))
        elif isinstance(event, Transfer):
            out.append(_transfer(security, event))
            price = lot_price[event.source_lot_id]
            carried = Price(price.amount, price.currency,
                            f"share_price: carried over from {event.source_lot_id}, the source security.")
            for lot_id in event.resulting_lot_ids:
                lot_price[lot_id] = carried
                out.append(_issuance(security, lot_id=lot_id, holder=event.to_holder, units=history.lots[lot_id].units,
                                     day=event.date, price=carried,
                                     comments=[f"Resulting security of transfer tx-transfer-{event.source_lot_id}."]))
            out.extend(_balance(security, history, event.balance_lot_id, event.date, carried,
                                f"Balance security of transfer tx-transfer-{event.source_lot_id}."))
            if event.balance_lot_id:
                lot_price[event.balance_lot_id] = carried
        elif isinstance(event, Redemption):
            out.append(_cancellation(security, event))
            price = lot_price[event.source_lot_id]
            carried = Price(price.amount, price.currency,
                            f"share_price: carried over from {event.source_lot_id}, the source security.")
            out.extend(_balance(security, history, event.balance_lot_id, event.date, carried,
                                f"Balance security of cancellation tx-cancellation-{event.source_lot_id}."))
            if event.balance_lot_id:
                lot_price[event.balance_lot_id] = carried
    return out


def _balance(security: Security, history: LotHistory, lot_id: str | None, day: date, price: Price,
             comment: str) -> list[dict]:
    if lot_id is None:
        return []
    lot = history.lots[lot_id]
    return [_issuance(security, lot_id=lot_id, holder=lot.holder, units=lot.units, day=day, price=price,
                      comments=[comment])]


def _transfer(security: Security, event: Transfer) -> dict:
    obj = {
        "object_type": "TX_STOCK_TRANSFER", "id": f"tx-transfer-{event.source_lot_id}", "date": event.date.isoformat(),
        "security_id": event.source_lot_id, "quantity": numeric(event.units, security.decimals),
        "resulting_security_ids": list(event.resulting_lot_ids),
    }
    if event.balance_lot_id:
        obj["balance_security_id"] = event.balance_lot_id
    if event.forced:
        obj["comments"] = ["Forced transfer ordered by compliance (four-eyes approval), not by the holder.",
                           f"Legal reason: {event.reason}"]
    elif event.kind == "dvp_delivery":
        obj["consideration_text"] = "Secondary trade settled delivery versus payment in the platform's cash token."
    elif event.reason:
        obj["comments"] = [f"Reason: {event.reason}"]
    return obj


def _cancellation(security: Security, event: Redemption) -> dict:
    obj = {
        "object_type": "TX_STOCK_CANCELLATION", "id": f"tx-cancellation-{event.source_lot_id}",
        "date": event.date.isoformat(), "security_id": event.source_lot_id,
        "quantity": numeric(event.units, security.decimals),
        "reason_text": f"Redeemed: {event.reason}" if event.reason else "Redeemed by the issuer.",
        "comments": ["Recorded by the register as a redemption (the units were burned)."],
    }
    if event.balance_lot_id:
        obj["balance_security_id"] = event.balance_lot_id
    return obj
