"""The OCF 1.2.0 package of an issuer's equity cap table: `*.ocf.zip`.

One JSON file per OCF file type (the manifest, stakeholders, stock classes, stock legend
templates, transactions, and the empty stock plans, vesting terms and valuations files the
manifest must list), each file's MD5 in the manifest. The objects are built by ocf_objects.py
from the lots of ledger.exports.lots.

Only equity securities have an OCF form: OCF 1.2.0 has no object for a straight bond or for
fund units, so those are left out rather than forced into another type, and the manifest's
comments name each one. An issuer with no equity security gets a valid package whose files are
empty and whose comments say that nothing could be exported.

The output is deterministic: the same register on the same business day gives the same bytes
(objects in register order, keys sorted, fixed zip entry times; `generated_at` is the time of
the latest register action in the package (LotHistory.last_action_at), not the wall clock, and
the comments say so).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils.text import slugify

from accounts.models import User
from core.clock import business_date_of, business_today
from investors.models import InvestorProfile
from issuance.models import Issuer, Security, Subscription

from ..models import ControlBook, TokenAction
from . import ocf_objects as objects
from .lots import Issuance, LotHistory, lots_replay

ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # the earliest a zip entry can say: no wall clock in the bytes
CONTENT_TYPE = "application/zip"

#: (manifest key, file name, file type), in the order they are written.
FILES = (
    ("stakeholders_files", "Stakeholders.ocf.json", "OCF_STAKEHOLDERS_FILE"),
    ("stock_classes_files", "StockClasses.ocf.json", "OCF_STOCK_CLASSES_FILE"),
    ("stock_legend_templates_files", "StockLegendTemplates.ocf.json", "OCF_STOCK_LEGEND_TEMPLATES_FILE"),
    ("stock_plans_files", "StockPlans.ocf.json", "OCF_STOCK_PLANS_FILE"),
    ("vesting_terms_files", "VestingTerms.ocf.json", "OCF_VESTING_TERMS_FILE"),
    ("valuations_files", "Valuations.ocf.json", "OCF_VALUATIONS_FILE"),
    ("transactions_files", "Transactions.ocf.json", "OCF_TRANSACTIONS_FILE"),
)
MANIFEST = "Manifest.ocf.json"

KIND_LABEL = {Security.Kind.BOND: "a bond", Security.Kind.FUND: "fund units"}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    body: bytes
    #: What went in and what was left out (for the audit trail and the page).
    summary: dict = field(default_factory=dict)


def dumps(obj: dict) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _prices(security: Security, history: LotHistory) -> dict[int, objects.Price]:
    """The price per unit of each issue action that came from a subscription (its offering's)."""
    issue_ids = [e.action_id for e in history.events if isinstance(e, Issuance)]
    rows = TokenAction.objects.filter(pk__in=issue_ids).values_list("pk", "cause", "settlement__subscription_id")
    wanted: dict[int, int] = {}
    for pk, cause, settled in rows:
        if settled:
            wanted[pk] = settled
        elif cause.startswith("subscription:") and cause.partition(":")[2].isdigit():
            wanted[pk] = int(cause.partition(":")[2])
    offerings = {s.pk: s.offering for s in Subscription.objects.filter(pk__in=set(wanted.values()))
                 .select_related("offering")}
    out = {}
    for pk, sub in wanted.items():
        offering = offerings.get(sub)
        if offering is not None:
            out[pk] = objects.Price(Decimal(offering.price), offering.currency,
                                    f"share_price: the price per unit of offering {offering.pk} (subscription {sub}).")
    return out


def _holders(histories: list[LotHistory]) -> list[objects.Holder]:
    ids: dict[int, None] = {}
    for history in histories:
        for holder in history.holders():
            ids.setdefault(holder, None)
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    kinds = dict(InvestorProfile.objects.filter(user_id__in=ids).values_list("user_id", "kind"))
    return [objects.Holder(investor_id=pk, full_name=names.get(pk, ""), kind=kinds.get(pk, "")) for pk in sorted(ids)]


def _authorized(security: Security) -> int:
    if security.authorized_shares:
        return int(security.authorized_shares)
    book = ControlBook.objects.filter(security=security).values_list("authorized", flat=True).first()
    return int(book or 0)


def ocf_package(*, issuer: Issuer, security: Security | None = None, as_of: date | None = None) -> ExportFile:
    """The package of the issuer's equity securities (or of `security` alone), as of `as_of`
    (default: today's business date; the register is read as it stands)."""
    as_of = as_of or business_today()
    chosen = [security] if security is not None else list(
        issuer.securities.exclude(kind=Security.Kind.CASH).order_by("pk"))
    equity = [s for s in chosen if s.kind == Security.Kind.EQUITY]
    left_out = [s for s in chosen if s.kind != Security.Kind.EQUITY]
    histories = [lots_replay(s) for s in equity]

    items: dict[str, list[dict]] = {key: [] for key, _name, _type in FILES}
    items["stakeholders_files"] = [objects.stakeholder_object(h) for h in _holders(histories)]
    last_action: datetime | None = None
    for s, history in zip(equity, histories, strict=True):
        items["stock_classes_files"].append(objects.stock_class_object(s, authorized=_authorized(s),
                                                                       board_approval=None))
        items["stock_legend_templates_files"].append(objects.legend_object(s))
        items["transactions_files"].extend(objects.transactions(s, history, _prices(s, history)))
        latest = history.last_action_at
        if latest is not None and (last_action is None or latest > last_action):
            last_action = latest

    generated = (last_action or issuer.created_at).astimezone(UTC).replace(microsecond=0)
    comments = _comments(equity, left_out, generated_from_register=last_action is not None)
    files: dict[str, bytes] = {}
    manifest = {
        "ocf_version": objects.OCF_VERSION, "file_type": "OCF_MANIFEST_FILE",
        "issuer": objects.issuer_object(issuer, registered=business_date_of(issuer.created_at)),
        "as_of": as_of.isoformat(), "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "comments": comments,
    }
    for key, name, file_type in FILES:
        files[name] = dumps({"file_type": file_type, "items": items[key]})
        digest = hashlib.md5(files[name], usedforsecurity=False).hexdigest()   # the checksum OCF asks for
        manifest[key] = [{"filepath": name, "md5": digest}]
    body = zip_package({MANIFEST: dumps(manifest), **files})
    stem = package_stem(issuer=issuer, security=security)
    summary = {"format": "ocf", "ocf_version": objects.OCF_VERSION, "as_of": as_of.isoformat(),
               "securities": [s.pk for s in equity], "left_out": [s.pk for s in left_out],
               "stakeholders": len(items["stakeholders_files"]), "transactions": len(items["transactions_files"])}
    return ExportFile(filename=f"{stem}-{as_of.isoformat()}.ocf.zip", content_type=CONTENT_TYPE, body=body,
                      summary=summary)


def _comments(equity: list[Security], left_out: list[Security], *, generated_from_register: bool) -> list[str]:
    comments = ["Exported from the Shoken register: equity securities only, lots derived first in, first out from "
                "the register's token actions."]
    if not equity:
        comments.append("Nothing could be exported: the issuer has no equity security (OCF describes stock only).")
    for s in left_out:
        what = KIND_LABEL.get(s.kind, s.get_kind_display())
        comments.append(f"Left out: {s.name} ({s.symbol}), {what}. OCF 1.2.0 has no object for a straight bond or "
                        "for fund units, so they are not forced into another type.")
    if generated_from_register:
        comments.append("generated_at is the time of the latest register action exported, so that the same register "
                        "gives the same package.")
    return comments


def package_stem(*, issuer: Issuer, security: Security | None) -> str:
    """The start of a package's file name (OCF and JOCF alike): the security's symbol, else the issuer's name."""
    return security.symbol if security is not None else (slugify(issuer.legal_name) or f"issuer-{issuer.pk}")


def zip_package(files: dict[str, bytes]) -> bytes:
    """The files as a zip whose bytes depend on nothing but the files (fixed entry times and modes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
