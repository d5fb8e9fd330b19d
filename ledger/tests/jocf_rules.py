"""What the JOCF schemas (https://jocf.startupstandard.org/jocf/main/schema/, read 2026-12) require of
the files and objects our export writes, restated as our own checks (the schemas are not copied
here): per object type the keys it must have and the only keys it may have, the const
file_type of each file, enums, numerics as strings, ISO dates, money, and the ids that refer to
each other across the package. `package_problems(files)` returns every problem found ([] = ok)."""

from __future__ import annotations

import re
from datetime import date

NUMERIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]{1,10})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MD5 = re.compile(r"^[a-fA-F0-9]{32}$")

#: file name -> (its const file_type, the object types its items may be)
FILES = {
    "SecurityHoldersFile.jocf.json": ("JOCF_SECURITY_HOLDERS_FILE", {"SECURITY_HOLDER"}),
    "StockClassesFile.jocf.json": ("JOCF_STOCK_CLASSES_FILE", {"STOCK_CLASS"}),
    "TransactionsFile.jocf.json": ("JOCF_TRANSACTIONS_FILE",
                                   {"TX_STOCK_ISSUANCE", "TX_STOCK_TRANSFER", "TX_STOCK_REPURCHASE"}),
}
#: A file object has these keys and no other (additionalProperties false on the file schemas).
FILE_KEYS = {"file_type", "items"}

#: object type -> (required keys, allowed keys). Required ones come from the object schema and
#: the primitives it is composed of (Object: id, object_type; Transaction: date;
#: SecurityTransaction: security_id; Issuance: securityholder_id; Transfer:
#: resulting_security_ids; Repurchase: price, quantity).
OBJECTS = {
    "SECURITY_HOLDER": ({"object_type", "id", "name"},
                        {"object_type", "id", "comments", "name", "security_holder_type", "address",
                         "primary_contact", "contact_info"}),
    "STOCK_CLASS": ({"object_type", "id", "name", "class_type"},
                    {"object_type", "id", "name", "description", "class_type", "votes_per_share",
                     "votes_per_share_at_class_meeting", "initial_shares_authorized",
                     "preffered_stock_attributes"}),
    "TX_STOCK_ISSUANCE": ({"object_type", "id", "securityholder_id", "stock_class_id", "share_price", "quantity",
                           "date", "security_id"},
                          {"object_type", "id", "securityholder_id", "stock_class_id", "share_price", "quantity",
                           "date", "security_id", "description", "payment_due_date", "series_name",
                           "representations_and_warranties_by_issuing_company",
                           "representations_and_warranties_by_investor"}),
    "TX_STOCK_TRANSFER": ({"object_type", "id", "security_id", "quantity", "resulting_security_ids", "date"},
                          {"object_type", "id", "security_id", "quantity", "resulting_security_ids", "date",
                           "comments", "description", "consideration_text", "balance_security_id"}),
    "TX_STOCK_REPURCHASE": ({"object_type", "id", "security_id", "date", "price", "quantity"},
                            {"object_type", "id", "security_id", "date", "price", "quantity", "comments",
                             "consideration_text", "balance_security_id"}),
}
ENUMS = {"security_holder_type": {"INDIVIDUAL", "INSTITUTION"}, "class_type": {"COMMON", "PREFERRED"}}
NUMERIC_KEYS = {"quantity", "votes_per_share", "votes_per_share_at_class_meeting"}
MONEY_KEYS = {"share_price", "price"}
DATE_KEYS = {"date", "payment_due_date"}
STRING_KEYS = {"id", "security_id", "securityholder_id", "stock_class_id", "balance_security_id", "description",
               "consideration_text", "series_name", "address", "object_type"}


def _iso_date(value) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def object_problems(obj: dict, where: str) -> list[str]:
    problems = []
    kind = obj.get("object_type")
    if kind not in OBJECTS:
        return [f"{where}: unknown object_type {kind!r}"]
    required, allowed = OBJECTS[kind]
    problems += [f"{where}: {kind} lacks {key}" for key in sorted(required - obj.keys())]
    problems += [f"{where}: {kind} may not have {key}" for key in sorted(obj.keys() - allowed)]
    for key, value in obj.items():
        if key in STRING_KEYS and not isinstance(value, str):
            problems.append(f"{where}.{key}: not a string")
        if key in NUMERIC_KEYS and not (isinstance(value, str) and NUMERIC.match(value)):
            problems.append(f"{where}.{key}: {value!r} is not a JOCF Numeric (a decimal string)")
        if key in DATE_KEYS and not _iso_date(value):
            problems.append(f"{where}.{key}: {value!r} is not an ISO 8601 date")
        if key in ENUMS and value not in ENUMS[key]:
            problems.append(f"{where}.{key}: {value!r} not in {sorted(ENUMS[key])}")
        if key in MONEY_KEYS:
            if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
                problems.append(f"{where}.{key}: money must be exactly amount + currency")
            elif not (isinstance(value["amount"], str) and NUMERIC.match(value["amount"])
                      and isinstance(value["currency"], str) and CURRENCY.match(value["currency"])):
                problems.append(f"{where}.{key}: bad amount or currency {value!r}")
        if key == "comments" and not (isinstance(value, list) and all(isinstance(c, str) for c in value)):
            problems.append(f"{where}.comments: must be a list of strings")
        if key == "resulting_security_ids" and not (
                isinstance(value, list) and value and all(isinstance(v, str) for v in value)
                and len(set(value)) == len(value)):
            problems.append(f"{where}.resulting_security_ids: must be a non-empty list of distinct strings")
    if kind == "SECURITY_HOLDER":
        name = obj.get("name")
        if not isinstance(name, dict) or not isinstance(name.get("legal_name"), str) or not name["legal_name"] \
                or not set(name) <= {"legal_name", "first_name", "last_name"}:
            problems.append(f"{where}.name: must be a Name (legal_name required, first/last name only)")
    if kind == "STOCK_CLASS" and not isinstance(obj.get("name"), str):
        problems.append(f"{where}.name: a stock class's name is a string")
    return problems


def package_problems(files: dict[str, dict]) -> list[str]:
    """Every problem of the three files together: shapes, then the cross references of lots."""
    problems = []
    if set(files) != set(FILES):
        problems.append(f"files {sorted(files)} != {sorted(FILES)}")
    for name, document in files.items():
        file_type, kinds = FILES[name]
        if set(document) != FILE_KEYS:
            problems.append(f"{name}: keys {sorted(document)} != {sorted(FILE_KEYS)}")
        if document.get("file_type") != file_type:
            problems.append(f"{name}: file_type {document.get('file_type')!r} != {file_type!r}")
        for i, obj in enumerate(document.get("items", [])):
            if obj.get("object_type") not in kinds:
                problems.append(f"{name}[{i}]: {obj.get('object_type')!r} does not belong in this file")
            problems += object_problems(obj, f"{name}[{i}]")
    if problems:
        return problems
    holders = {o["id"] for o in files["SecurityHoldersFile.jocf.json"]["items"]}
    classes = {o["id"] for o in files["StockClassesFile.jocf.json"]["items"]}
    transactions = files["TransactionsFile.jocf.json"]["items"]
    every_id = [o["id"] for doc in files.values() for o in doc["items"]]
    if len(every_id) != len(set(every_id)):
        problems.append("object ids are not unique across the package")
    issued: dict[str, dict] = {}       # lot (security_id) -> its issuance
    consumed: set[str] = set()
    promised: dict[str, str] = {}      # lot -> the transaction that named it as resulting/balance
    for tx in transactions:
        tid, lot = tx["id"], tx["security_id"]
        if tx["object_type"] == "TX_STOCK_ISSUANCE":
            if lot in issued:
                problems.append(f"{tid}: lot {lot} issued twice")
            if tx["securityholder_id"] not in holders:
                problems.append(f"{tid}: holder {tx['securityholder_id']} not in the security holders file")
            if tx["stock_class_id"] not in classes:
                problems.append(f"{tid}: class {tx['stock_class_id']} not in the stock classes file")
            issued[lot] = tx
            promised.pop(lot, None)
            continue
        if lot not in issued:
            problems.append(f"{tid}: source lot {lot} was not issued before")
        if lot in consumed:
            problems.append(f"{tid}: source lot {lot} consumed twice")
        consumed.add(lot)
        for new in tx.get("resulting_security_ids", []) + ([tx["balance_security_id"]]
                                                          if "balance_security_id" in tx else []):
            if new in issued:
                problems.append(f"{tid}: lot {new} existed before the transaction that creates it")
            promised[new] = tid
    problems += [f"{tid}: lot {lot} is never issued" for lot, tid in promised.items()]
    return problems


def open_lots(files: dict[str, dict]) -> dict[str, int]:
    """Whole units per securityholder_id in the lots no transaction consumed."""
    transactions = files["TransactionsFile.jocf.json"]["items"]
    consumed = {tx["security_id"] for tx in transactions if tx["object_type"] != "TX_STOCK_ISSUANCE"}
    totals: dict[str, int] = {}
    for tx in transactions:
        if tx["object_type"] == "TX_STOCK_ISSUANCE" and tx["security_id"] not in consumed:
            totals[tx["securityholder_id"]] = totals.get(tx["securityholder_id"], 0) + int(tx["quantity"])
    return totals
