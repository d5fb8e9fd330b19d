"""The register's side of a settled or refused delivery versus payment, and the paying
agent's side of a confirmed or refused payment batch.

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

Payment batches (``payment.batch``, ``redemption.burn``) are decided the same way, at the same
moments and with the same guards: :func:`batch_decided_for` calls
``servicing.services.payments.batch_decided(batch_id=..., confirmed=..., tx_hash=..., reason=...)``
inside the deciding transaction (confirmed: the hold becomes the payment, the lines are paid
with the hash; refused: the hold is released, the lines are due again and the batch failed with
the decoded reason). A dead letter decides nothing. :func:`entry_decided` tells whichever app
waits for the entry's kind.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import OutboxEntry
from ledger.services import settlement_outcome
from servicing.services import payments

from .calls import SERVICING_KINDS, SETTLEMENT_KINDS, BadPayload, payload_of

log = logging.getLogger(__name__)


def _payload_id(entry: OutboxEntry, name: str) -> int | None:
    try:
        return getattr(payload_of(entry), name)
    except BadPayload:   # a row written around the contract: its id, when it has one
        raw: Any = entry.payload.get(name) if isinstance(entry.payload, dict) else None
        return raw if type(raw) is int else None


def _settlement_id(entry: OutboxEntry) -> int | None:
    return _payload_id(entry, "settlement_id")


def entry_decided(*, entry: OutboxEntry, confirmed: bool, tx_hash: str = "", code: str = "",
                  message: str = "") -> None:
    """Tell the app waiting for this entry's kind the chain's verdict (a settlement: the
    register; a payment batch: the paying agent; any other kind: nobody). Must run inside the
    transaction that moves the entry to CONFIRMED or FAILED."""
    if entry.kind in SETTLEMENT_KINDS:
        settlement_decided(entry=entry, settled=confirmed, code=code, message=message)
    elif entry.kind in SERVICING_KINDS:
        batch_decided_for(entry=entry, confirmed=confirmed, tx_hash=tx_hash, code=code, message=message)


def _reason(code: str, message: str) -> str:
    if not code:
        return message[:500]
    return (message if message.startswith(code) else f"{code}: {message}" if message else code)[:500]


def batch_decided_for(*, entry: OutboxEntry, confirmed: bool, tx_hash: str = "", code: str = "",
                      message: str = "") -> None:
    """Tell the paying agent the chain's verdict on a payment batch entry (any other kind:
    nothing). Must run inside the transaction that moves the entry to CONFIRMED or FAILED.
    A refusal by the paying agent is kept from undoing the chain's verdict (savepoint, log,
    audit event ``chain.batch_outcome_refused``), as for settlements."""
    if entry.kind not in SERVICING_KINDS:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("batch_decided_for runs inside the transaction that decides the entry")
    batch_id = _payload_id(entry, "batch_id")
    if batch_id is None:
        log.error("payment entry %s has no batch id; the paying agent was not told", entry.pk)
        return
    reason = "" if confirmed else _reason(code, message or "reverted")
    try:
        with transaction.atomic():
            payments.batch_decided(batch_id=batch_id, confirmed=confirmed, tx_hash=tx_hash, reason=reason)
    except (ApplicationError, IntegrityError) as exc:
        log.exception("the paying agent refused the outcome of batch %s (entry %s)", batch_id, entry.pk)
        audit_record(action="chain.batch_outcome_refused", obj=entry,
                     new={"batch_id": batch_id, "confirmed": confirmed, "tx_hash": tx_hash, "code": code,
                          "error": f"{type(exc).__name__}: {exc}"[:500]})


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
