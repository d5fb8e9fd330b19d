"""The record close: at the end of an action's record date, fix who is owed what.

Run by the sweep once business_today() is past the record date, for an action that is
scheduled (or blocked: a retry). Outside the write transaction it reads the register's
snapshot of the record date (ledger.snapshots.positions_as_of: every wallet with units,
frozen ones included: a frozen holder is still entitled) and, for a security whose token was
deployed, the chain at the record block through the RecordReader port (servicing.record):
every snapshot wallet's balance and the total supply. A security never deployed (paid with
the payment file) has no chain to read: the register alone is the record.

- the mirror has not caught up (no record block yet): nothing changes, the next sweep retries;
- the chain differs from the register: the action is BLOCKED with a machine-readable
  `blocked_reason` (JSON: the supplies and the first wallets that differ, register vs
  chain) and an audit event `corporate_action.blocked`; chain's reconciler raises the Break;
- else, in one transaction: the lines (servicing.entitlements, withholding per holder)
  written in bulk, the totals on the action, status RECORDED, the record block and time.

The issuer's own treasury gets no line (an issuer pays nothing to itself); its units, if
any, still count in the comparison with the chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.clock import business_today, calendar_date
from core.money import MINOR_UNITS
from ledger.snapshots import positions_as_of

from .. import entitlements
from ..models import CorporateAction
from ..record import reader
from ..withholding import Withholding, income_of, withholding_many
from .actions import action_move

Status = CorporateAction.Status
SHOWN_DIFFERENCES = 4


def end_of_day(day) -> datetime:
    """The instant business day `day` ends (the register's replay cuts there too)."""
    return timezone.make_aware(datetime.combine(calendar_date(day) + timedelta(days=1), time.min))


def _chain_differences(action: CorporateAction, register: dict[str, int]) -> tuple[int | None, str]:
    """(record block, "" when the chain agrees else the blocked reason); (None, "") when the
    mirror has not caught up."""
    port = reader()
    security_id = action.security_id
    block = port.record_block(security_id=security_id, until=end_of_day(action.record_date))
    if block is None:
        return None, ""
    wallets = sorted(register)
    chain = port.balances_at(security_id=security_id, wallets=wallets, block=block) if wallets else {}
    supply = port.supply_at(security_id=security_id, block=block)
    differ = [w for w in wallets if int(chain.get(w, 0)) != register[w]]
    registered = sum(register.values())
    if not differ and supply == registered:
        return block, ""
    summary = {"block": block, "supply": {"register": registered, "chain": supply}, "wallets": len(differ),
               "first": {w: {"register": register[w], "chain": int(chain.get(w, 0))}
                         for w in differ[:SHOWN_DIFFERENCES]}}
    return block, json.dumps(summary, separators=(",", ":"))[:500]


@dataclass(frozen=True)
class Lines:
    """The lines of a record close as column arrays (one INSERT ... unnest for thousands)."""

    investor_ids: list[int]
    wallets: list[str]
    amounts: list[entitlements.LineAmounts]
    rates: list[Withholding]
    totals: entitlements.Totals

    def __len__(self) -> int:
        return len(self.wallets)


def _lines(action: CorporateAction, snapshot: dict) -> Lines:
    security = action.security
    treasury_id = security.issuer.treasury_id
    owners = {w: int(v[0]) for w, v in snapshot.items() if int(v[1]) > 0 and int(v[0]) != treasury_id}
    rates = withholding_many(investor_ids=set(owners.values()), income=income_of(action.kind),
                             source=security.issuer.jurisdiction)
    terms = entitlements.Terms(
        kind=action.kind, decimals=security.decimals, minor_unit=MINOR_UNITS[action.currency],
        per_unit=action.per_unit_amount, principal_per_unit=action.principal_per_unit, total=action.total_amount,
        call_units=int(action.call_units) if action.call_units is not None else None)
    holdings = [entitlements.Holding(key=w, units=int(snapshot[w][1]), rate=rates[owners[w]].rate)
                for w in sorted(owners)]
    amounts = [a for a in (entitlements.lines_for(terms, holdings) if holdings else [])
               if a.gross > 0 or a.redeem_units > 0]
    return Lines(investor_ids=[owners[a.key] for a in amounts], wallets=[a.key for a in amounts], amounts=amounts,
                 rates=[rates[owners[a.key]] for a in amounts], totals=entitlements.totals_of(amounts))


_INSERT_LINES = """
INSERT INTO servicing_entitlementline (action_id, investor_id, wallet, units, redeem_units, gross, withheld, net,
    principal, tax_rate, tax_category, residence, status, burned, paid_reference)
SELECT %s, investor_id, wallet, units, redeem_units, gross / %s, withheld / %s, net / %s, principal / %s,
    tax_rate, tax_category, residence, 'due', false, ''
FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[],
    %s::numeric[], %s::numeric[], %s::numeric[], %s::varchar[], %s::varchar[])
    WITH ORDINALITY AS u(investor_id, wallet, units, redeem_units, gross, withheld, net, principal, tax_rate,
    tax_category, residence, n)
ORDER BY n
"""


def _insert(action: CorporateAction, lines: Lines) -> None:
    """Write the lines in ONE statement, in wallet order (amounts in minor units scaled here)."""
    if not lines:
        return
    scale = 10 ** MINOR_UNITS[action.currency]
    a = lines.amounts
    columns = [lines.investor_ids, lines.wallets, [x.units for x in a], [x.redeem_units for x in a],
               [x.gross for x in a], [x.withheld for x in a], [x.net for x in a], [x.principal for x in a],
               [r.rate for r in lines.rates], [r.category for r in lines.rates], [r.residence for r in lines.rates]]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_LINES, [action.pk, scale, scale, scale, scale, *map(_array, columns)])


def _array(values: list) -> str:
    """A PostgreSQL array literal of numbers or strings, each string double-quoted and escaped:
    one text parameter instead of psycopg adapting each element (10,000 per column)."""
    if values and isinstance(values[0], str):
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
    return "{" + ",".join(str(v) for v in values) + "}"


def record_close(*, action: CorporateAction) -> CorporateAction:
    """Record `action` if its record date has passed (idempotent; see the module docstring).
    Returns the action as it stands afterwards."""
    action = CorporateAction.objects.select_related("security__issuer").get(pk=action.pk)
    if action.status not in (Status.SCHEDULED, Status.BLOCKED) or business_today() <= action.record_date:
        return action
    snapshot = positions_as_of(security=action.security, as_of=action.record_date)
    register = {w: int(v[1]) for w, v in snapshot.items()}
    block, problem = None, ""
    if action.security.deploy_requested_at is not None:
        block, problem = _chain_differences(action, register)
        if block is None:
            return action
    lines = Lines([], [], [], [], entitlements.totals_of([]))
    if not problem:
        try:
            lines = _lines(action, snapshot)
        except ValueError as error:   # e.g. more units called than are held at record
            problem = json.dumps({"error": str(error)})
    with transaction.atomic(durable=True):
        action = CorporateAction.objects.select_for_update(of=("self",)).select_related("security__issuer").get(
            pk=action.pk)
        if action.status not in (Status.SCHEDULED, Status.BLOCKED):
            return action     # a twin sweep recorded or someone cancelled it meanwhile
        if problem:
            return _blocked(action, problem=problem, block=block)
        _insert(action, lines)
        totals = lines.totals
        minor = MINOR_UNITS[action.currency]
        money = entitlements.to_money
        return action_move(action, to=Status.RECORDED, actor=None, new={
            "record_block": block, "lines": len(lines), "gross": money(totals.gross, minor),
            "withheld": money(totals.withheld, minor), "net": money(totals.net, minor)}, also={
            "record_block": block, "recorded_at": timezone.now(), "blocked_reason": "",
            "gross_total": money(totals.gross, minor), "withheld_total": money(totals.withheld, minor),
            "net_total": money(totals.net, minor), "line_count": len(lines)})


def _blocked(action: CorporateAction, *, problem: str, block: int | None) -> CorporateAction:
    if action.status == Status.BLOCKED:
        if action.blocked_reason != problem:   # still blocked, for another reason: say so once
            from core.audit import audit_record

            CorporateAction.objects.filter(pk=action.pk).update(blocked_reason=problem)
            audit_record(action="corporate_action.blocked", obj=action, old={"blocked_reason": action.blocked_reason},
                         new={"blocked_reason": problem})
            action.blocked_reason = problem
        return action
    return action_move(action, to=Status.BLOCKED, actor=None, new={"blocked_reason": problem, "record_block": block},
                       also={"blocked_reason": problem})
