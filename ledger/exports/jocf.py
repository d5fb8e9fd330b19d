"""The Japanese Open Cap Format (JOCF) export of a Japanese issuer's equity register.

JOCF is the Startup Data Standardization Association's Japanese extension of the Open Cap
Table Format. This module follows the JSON schemas whose ids start with
``https://jocf.startupstandard.org/jocf/main/schema/`` (the "main" line of the repository
StartupDataStandardizationAssociation/Japan-Open-Cap-Format-JOCF, read in 2026-12: the
files SecurityHoldersFile, StockClassesFile and TransactionsFile; the objects SecurityHolder,
StockClass, StockIssuance, StockTransfer and StockRepurchase with the primitives Object,
Transaction, SecurityTransaction, Issuance, Transfer and Repurchase; the types Numeric,
Monetary, Name, Date, CurrencyCode and Md5). JOCF publishes no version number: ``main`` is
the version, and JOCF_SCHEMA_BASE names it in the package. The versions read were those of
the repository commits 3396886 (TransactionsFile: the one whose items include StockRepurchase),
f425dcd (StockClass, ObjectType), 1cfa271 (StockIssuance), 0087be4 (StockTransfer, Numeric),
b5e7617 (StockRepurchase) and ecea80d/945b6bc (SecurityHoldersFile).

The package (``<issuer slug or symbol>-<as of>.jocf.zip``, the same bytes for the same register:
fixed zip entry times, ``generated_at`` the time of the latest action exported) holds three
JOCF files and one file of ours:
- ``SecurityHoldersFile.jocf.json`` (file_type JOCF_SECURITY_HOLDERS_FILE): every investor who
  ever held a lot (id ``investor-<id>``, as in the OCF export), named as the register names them
  (the KYC legal name, which for Japanese investors is their Japanese name, else the name on the
  account, else "Investor <id>": never an e-mail), INDIVIDUAL or INSTITUTION. Addresses and
  contacts stay out: the cap table does not show them either.
- ``StockClassesFile.jocf.json`` (JOCF_STOCK_CLASSES_FILE): one class per equity security.
- ``TransactionsFile.jocf.json`` (JOCF_TRANSACTIONS_FILE): from the FIFO lots of
  ledger.exports.lots, in register order: one TX_STOCK_ISSUANCE per lot (JOCF numbers every
  lot through an issuance, so the resulting and balance lots of a transfer or a redemption
  get theirs right after it, as JOCF's own transfer and repurchase examples do), one
  TX_STOCK_TRANSFER per source lot moved (forced transfers carry the legal reason in their
  comments), one TX_STOCK_REPURCHASE per source lot redeemed (JOCF has no stock cancellation).
- ``manifest.json``: JOCF defines no manifest. Its file schemas forbid any key but file_type
  and items, so each file's path and MD5 (JOCF's File type) live here, with the issuer (JOCF
  has no issuer object), the date, the schema base and what was left out (bonds and fund
  units: JOCF, like OCF, has no object for them).

Where the published schemas disagree with each other we follow the object schemas and say so:
the ObjectType enum does not list every transaction's object_type (each object schema's const
is used), SecurityHolderContactInfo requires a key its own properties forbid (no contact is
written), and StockClass.initial_shares_authorized refers to a types/AuthorizedShares schema
that does not exist (the authorized shares go in the class description instead).

Prices: a lot issued by settling a subscription or a primary DvP settlement carries its price;
the resulting lot of a settled trade the trade's price; a balance lot its source lot's price.
The register records no price for an issuance made directly by the issuer or for a redemption
(tokens_redeem): JOCF requires one, so the amount is "0" and a comment (or the transaction's
description) says that no price was recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal, localcontext

from django.utils.translation import gettext as _

from accounts.models import User
from core.clock import business_today
from core.errors import ApplicationError
from issuance.models import Issuer, Security, Subscription

from ..models import Settlement, TokenAction
from .lots import Issuance, LotHistory, Redemption, Transfer, lots_replay
from .ocf import package_stem, zip_package
from .ocf_objects import stakeholder_id, stock_class_id

JOCF_SCHEMA_BASE = "https://jocf.startupstandard.org/jocf/main/schema/"
JOCF_VERSION = "main"

HOLDERS_FILE = "SecurityHoldersFile.jocf.json"
CLASSES_FILE = "StockClassesFile.jocf.json"
TRANSACTIONS_FILE = "TransactionsFile.jocf.json"
MANIFEST_FILE = "manifest.json"

FILE_TYPES = {
    HOLDERS_FILE: "JOCF_SECURITY_HOLDERS_FILE",
    CLASSES_FILE: "JOCF_STOCK_CLASSES_FILE",
    TRANSACTIONS_FILE: "JOCF_TRANSACTIONS_FILE",
}

NO_PRICE = "登録簿に価格の記録なし (no price recorded on the register)"


def jocf_allowed(issuer: Issuer) -> None:
    """JOCF is for Japanese companies: refuse any other issuer with a stable code."""
    if (issuer.jurisdiction or "").upper() != "JP":
        raise ApplicationError(
            _("The JOCF export is only for issuers incorporated in Japan (jurisdiction JP); this issuer's "
              "jurisdiction is %(jurisdiction)s. Use the OCF export instead.")
            % {"jurisdiction": issuer.jurisdiction or "-"},
            code="jocf_not_japanese_issuer",
        )


# -- values ----------------------------------------------------------------------------------

def numeric(value: Decimal | int | str) -> str:
    """A JOCF Numeric: a plain decimal string (no exponent), at most 10 decimals, exact for the
    register's 78-digit amounts (a context wide enough for them, not the default 28 digits)."""
    with localcontext() as ctx:
        ctx.prec = 100
        d = Decimal(value)
        if d != d.to_integral_value():
            d = d.quantize(Decimal("1E-10"))
        return format(d.normalize() if d else Decimal(0), "f")


def units_of(base_units: int, decimals: int) -> str:
    with localcontext() as ctx:
        ctx.prec = 100
        return numeric(Decimal(base_units).scaleb(-decimals))


def monetary(amount: Decimal | int | str, currency: str) -> dict:
    return {"amount": numeric(amount), "currency": currency.upper()}


def holder_id(user_id: int) -> str:
    """The same id as the OCF export's stakeholder, so the two packages cross-walk."""
    return stakeholder_id(user_id)


def class_id(security: Security) -> str:
    """The same id as the OCF export's stock class."""
    return stock_class_id(security)


def lot_ref(lot_id: str) -> str:
    """A lot's JOCF security_id (the lot ids of ledger.exports.lots, prefixed)."""
    return f"lot-{lot_id}"


# -- prices ----------------------------------------------------------------------------------

@dataclass
class _Prices:
    """Price per whole unit by the action that created a lot (None: not recorded)."""

    security: Security
    by_action: dict[int, Decimal | None] = field(default_factory=dict)

    @classmethod
    def load(cls, security: Security) -> _Prices:
        """Issuances and settled trades are the actions that can carry a price."""
        prices = cls(security=security)
        actions = (TokenAction.objects.filter(security=security, kind__in=(TokenAction.Kind.ISSUE,
                                                                            TokenAction.Kind.DVP_DELIVERY))
                   .values_list("pk", "cause", "settlement_id"))
        subs: dict[int, int] = {}
        settles: dict[int, int] = {}
        for pk, cause, settlement_id in actions:
            prices.by_action[pk] = None
            if settlement_id:
                settles[pk] = settlement_id
            elif (cause or "").startswith("subscription:") and cause.split(":", 1)[1].isdigit():
                subs[pk] = int(cause.split(":", 1)[1])
        whole = Decimal(10) ** security.decimals
        sub_price = {sub.pk: Decimal(sub.amount) / (Decimal(sub.units) / whole)
                     for sub in Subscription.objects.filter(pk__in=set(subs.values())).only("pk", "amount", "units")
                     if sub.units}
        trade_price = {s.pk: Decimal(s.price).scaleb(-s.cash.decimals) / (Decimal(s.units) / whole)
                       for s in Settlement.objects.filter(pk__in=set(settles.values())).select_related("cash")
                       .only("pk", "price", "units", "cash__decimals") if s.units}
        for pk, sub_id in subs.items():
            prices.by_action[pk] = sub_price.get(sub_id)
        for pk, settlement_id in settles.items():
            prices.by_action[pk] = trade_price.get(settlement_id)
        return prices


# -- objects ---------------------------------------------------------------------------------

def security_holder(user: User) -> dict:
    profile = getattr(user, "investor_profile", None)
    name = ((profile.legal_name if profile else "") or user.full_name).strip() or f"Investor {user.pk}"  # no e-mail
    entity = profile is not None and profile.kind == profile.Kind.ENTITY
    return {"object_type": "SECURITY_HOLDER", "id": holder_id(user.pk), "name": {"legal_name": name},
            "security_holder_type": "INSTITUTION" if entity else "INDIVIDUAL"}


def stock_class(security: Security) -> dict:
    label = security.share_class or security.name
    preferred = any(word in label.lower() for word in ("preferred", "preference", "優先"))
    parts = [f"{security.name} ({security.symbol})"]
    if security.authorized_shares:
        parts.append(f"発行可能株式数 (authorized shares): {numeric(security.authorized_shares)}")
    if security.par_value is not None:
        parts.append(f"額面 (par value): {numeric(security.par_value)} {security.currency}")
    return {"object_type": "STOCK_CLASS", "id": class_id(security), "name": label,
            "class_type": "PREFERRED" if preferred else "COMMON", "description": "; ".join(parts)}


class _Transactions:
    """Turns one security's lot history into JOCF transaction objects, in register order."""

    def __init__(self, security: Security, history: LotHistory) -> None:
        self.security = security
        self.history = history
        self.currency = security.currency
        self.prices = _Prices.load(security)
        self.lot_price: dict[str, Decimal | None] = {}
        self.items: list[dict] = []

    def qty(self, base_units: int) -> str:
        return units_of(base_units, self.security.decimals)

    def issue(self, lot_id: str, *, price: Decimal | None, description: str) -> None:
        lot = self.history.lots[lot_id]
        self.lot_price[lot_id] = price
        if price is None:
            description = f"{description}; {NO_PRICE}" if description else NO_PRICE
        item = {"object_type": "TX_STOCK_ISSUANCE", "id": f"tx-issuance-{lot_id}", "security_id": lot_ref(lot_id),
                "stock_class_id": class_id(self.security), "securityholder_id": holder_id(lot.holder),
                "share_price": monetary(price if price is not None else 0, self.currency),
                "quantity": self.qty(lot.units), "date": lot.acquired.isoformat()}
        if description:
            item["description"] = description
        self.items.append(item)

    def transfer(self, event: Transfer) -> None:
        item = {"object_type": "TX_STOCK_TRANSFER", "id": f"tx-transfer-{event.action_id}-{event.source_lot_id}",
                "security_id": lot_ref(event.source_lot_id), "quantity": self.qty(event.units),
                "resulting_security_ids": [lot_ref(lot_id) for lot_id in event.resulting_lot_ids],
                "date": event.date.isoformat()}
        if event.balance_lot_id:
            item["balance_security_id"] = lot_ref(event.balance_lot_id)
        if event.forced:
            item["description"] = "強制移転 (forced transfer)"
            item["comments"] = [f"強制移転の法的根拠 (legal reason for the forced transfer): {event.reason}"]
        elif event.kind == TokenAction.Kind.DVP_DELIVERY:
            item["description"] = "決済された売買 (settled trade, delivery versus payment)"
        elif event.reason:
            item["description"] = event.reason
        self.items.append(item)
        source_price = self.lot_price.get(event.source_lot_id)
        if event.balance_lot_id:
            self.issue(event.balance_lot_id, price=source_price,
                       description=f"譲渡後の残高 (balance after transfer {item['id']})")
        trade_price = self.prices.by_action.get(event.action_id) if event.kind == TokenAction.Kind.DVP_DELIVERY \
            else None
        for lot_id in event.resulting_lot_ids:
            self.issue(lot_id, price=trade_price if trade_price is not None else source_price,
                       description=f"譲渡により生じた残高 (lot resulting from transfer {item['id']})")

    def redemption(self, event: Redemption) -> None:
        item = {"object_type": "TX_STOCK_REPURCHASE", "id": f"tx-repurchase-{event.action_id}-{event.source_lot_id}",
                "security_id": lot_ref(event.source_lot_id), "quantity": self.qty(event.units),
                "price": monetary(0, self.currency), "date": event.date.isoformat(),
                "comments": ["償還・消却 (redemption: the units were cancelled)", NO_PRICE]}
        if event.reason:
            item["consideration_text"] = event.reason
        if event.balance_lot_id:
            item["balance_security_id"] = lot_ref(event.balance_lot_id)
        self.items.append(item)
        if event.balance_lot_id:
            self.issue(event.balance_lot_id, price=self.lot_price.get(event.source_lot_id),
                       description=f"償還後の残高 (balance after redemption {item['id']})")

    def build(self) -> list[dict]:
        for event in self.history.events:
            if isinstance(event, Issuance):
                self.issue(event.lot_id, price=self.prices.by_action.get(event.action_id), description=event.reason)
            elif isinstance(event, Transfer):
                self.transfer(event)
            elif isinstance(event, Redemption):
                self.redemption(event)
        return self.items


# -- package ---------------------------------------------------------------------------------

CONTENT_TYPE = "application/zip"


@dataclass(frozen=True)
class JocfPackage:
    """Shaped like ledger.exports.ocf.ExportFile (filename, content_type, body, summary), so the
    export service treats both formats alike; plus the manifest and the parsed JOCF files."""

    filename: str
    body: bytes
    manifest: dict
    files: dict[str, dict]          # JOCF file name -> its content
    summary: dict
    content_type: str = CONTENT_TYPE


def _md5(body: bytes) -> str:
    """The checksum JOCF's File type names (integrity of the file, not a security measure)."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def _dump(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8") + b"\n"


def jocf_documents(issuer: Issuer, securities: list[Security]) -> tuple[dict[str, dict], list[Security]]:
    """The three JOCF files for the issuer's equity securities among `securities`; the others
    come back as the second value (left out)."""
    equity = [s for s in securities if s.kind == Security.Kind.EQUITY]
    left_out = [s for s in securities if s.kind != Security.Kind.EQUITY]
    transactions: list[dict] = []
    holder_ids: dict[int, None] = {}
    for security in equity:
        history = lots_replay(security)
        transactions += _Transactions(security, history).build()
        for holder in history.holders():
            holder_ids.setdefault(holder, None)
    users = User.objects.select_related("investor_profile").in_bulk(list(holder_ids))
    holders = [security_holder(users[pk]) for pk in holder_ids]
    return {
        HOLDERS_FILE: {"file_type": FILE_TYPES[HOLDERS_FILE], "items": holders},
        CLASSES_FILE: {"file_type": FILE_TYPES[CLASSES_FILE], "items": [stock_class(s) for s in equity]},
        TRANSACTIONS_FILE: {"file_type": FILE_TYPES[TRANSACTIONS_FILE], "items": transactions},
    }, left_out


def jocf_package(*, issuer: Issuer, security: Security | None = None, securities: list[Security] | None = None,
                 as_of: date | None = None) -> JocfPackage:
    """Build the JOCF zip of `issuer`: all its securities, or `security` (or `securities`) of it.
    Refuses an issuer outside Japan (jocf_allowed). Reads only: the caller checks access and
    audits. Deterministic: `generated_at` is the time of the latest register action exported."""
    jocf_allowed(issuer)
    if security is not None:
        securities = [security]
    if securities is None:
        securities = list(issuer.securities.exclude(kind=Security.Kind.CASH).order_by("id"))
    as_of = as_of or business_today()
    documents, left_out = jocf_documents(issuer, securities)
    equity = [s for s in securities if s.kind == Security.Kind.EQUITY]
    latest = (TokenAction.objects.filter(security__in=equity).order_by("-id").values_list("created_at", flat=True)
              .first()) if equity else None
    raw = {name: _dump(doc) for name, doc in documents.items()}
    manifest = {
        "format": "JOCF",
        "jocf_version": JOCF_VERSION,
        "schema_base": JOCF_SCHEMA_BASE,
        "comment": "JOCF defines no manifest: this file of the exporting platform lists each JOCF file with its "
                   "MD5 (JOCF's File type) and the issuer, which JOCF has no object for.",
        "as_of": as_of.isoformat(),
        "generated_at": (latest or issuer.created_at).astimezone(UTC).replace(microsecond=0).isoformat(),
        "issuer": {"legal_name": issuer.legal_name, "registration_number": issuer.registration_number,
                   "jurisdiction": issuer.jurisdiction.upper()},
        "files": [{"filepath": name, "file_type": FILE_TYPES[name], "md5": _md5(body)} for name, body in raw.items()],
        "securities": [{"symbol": s.symbol, "name": s.name, "stock_class_id": class_id(s)} for s in equity],
        "left_out": [{"symbol": s.symbol, "name": s.name, "kind": s.kind,
                      "why": "JOCF has no object for a straight bond or for fund units; left out, not forced "
                             "into another type."} for s in left_out],
    }
    body = zip_package({MANIFEST_FILE: _dump(manifest), **raw})
    stem = package_stem(issuer=issuer, security=security)
    summary = {"format": "jocf", "jocf_version": JOCF_VERSION, "as_of": as_of.isoformat(),
               "securities": [s.pk for s in equity], "left_out": [s.pk for s in left_out],
               "security_holders": len(documents[HOLDERS_FILE]["items"]),
               "transactions": len(documents[TRANSACTIONS_FILE]["items"])}
    return JocfPackage(filename=f"{stem}-{as_of.isoformat()}.jocf.zip", body=body, manifest=manifest,
                       files=documents, summary=summary)
