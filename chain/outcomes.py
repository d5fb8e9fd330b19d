"""The register's side of a settled or refused delivery versus payment.

A ``settlement.dvp`` / ``settlement.primary`` action holds both legs in the register until
the chain decides; when it does, ``ledger.services.settlement_outcome`` turns the holds into
moves (settled) or releases them (failed), INSIDE the transaction that marks the outbox
entry CONFIRMED or FAILED, so the entry and the register never disagree:

* confirmed with enough confirmations (chain/confirmer.py): settled;
* mined but reverted (chain/confirmer.py), or refused at gas estimation with no earlier
  related action in flight, or a payload that can never be sent (chain/retries.py
  ``entry_fail``): failed, with ``code`` the decoded custom error's name
  (``SecurityLegRestricted``, ``AuthorizationExpired``, ``BadPayload``...) and ``message``
  the decoded text with its arguments.

A dead letter (the node was down for ``CHAIN_MAX_ATTEMPTS`` tries) is NOT a failure of the
trade: nothing is decided, the holds stay, and an operator's retry sends the same delivery
again (chain.services.outbox_retry refuses to retry a decided one: its holds are gone).

Lock order: the register's rows (settlement, positions, control book) are locked before the
deciding transaction writes any audit event (the audit chain's lock), as in every register
service, so the two never wait on each other in opposite orders: the confirmer decides each
settlement in a transaction of its own and calls this first; ``entry_fail`` calls it before
the entry's transition.

A refusal by the register (an ApplicationError, or a constraint the moves would break) is
kept from undoing the chain's verdict on the entry and on every other entry of the sweep:
it is rolled back to a savepoint, logged and audited (``chain.settlement_outcome_refused``),
and the reconciler reports the difference as a break.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import OutboxEntry
from ledger.services import settlement_outcome

from .calls import SETTLEMENT_KINDS, BadPayload, payload_of

log = logging.getLogger(__name__)


def _settlement_id(entry: OutboxEntry) -> int | None:
    try:
        return payload_of(entry).settlement_id
    except BadPayload:   # a row written around the contract: its id, when it has one
        raw: Any = entry.payload.get("settlement_id") if isinstance(entry.payload, dict) else None
        return raw if type(raw) is int else None


def settlement_decided(*, entry: OutboxEntry, settled: bool, code: str = "", message: str = "") -> None:
    """Tell the register the chain's verdict on a settlement entry (any other kind: nothing).
    Must run inside the transaction that moves the entry to CONFIRMED or FAILED."""
    if entry.kind not in SETTLEMENT_KINDS:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("settlement_decided runs inside the transaction that decides the entry")
    settlement_id = _settlement_id(entry)
    if settlement_id is None:
        log.error("settlement entry %s has no settlement id; the register was not told", entry.pk)
        return

    try:
        with transaction.atomic():
            settlement_outcome(settlement_id=settlement_id, settled=settled, code=code, message=message)
    except (ApplicationError, IntegrityError) as exc:
        log.exception("the register refused the outcome of settlement %s (entry %s)", settlement_id, entry.pk)
        audit_record(action="chain.settlement_outcome_refused", obj=entry,
                     new={"settlement_id": settlement_id, "settled": settled, "code": code,
                          "error": f"{type(exc).__name__}: {exc}"[:500]})
