"""The chain side of a corporate action's record close: servicing.record's ``RecordReader``
port, implemented over the chain mirror and the ChainBackend (settings
``SERVICING_RECORD_READER = "chain.record_reader.ChainRecordReader"``).

**The record block** of a token for a record date ending at ``until``
(:meth:`ChainRecordReader.record_block`) is the last block whose state holds every action on
that token recorded before ``until`` and none recorded after it:

* every outbox action on the token (its own token actions, a settlement with it as either
  leg, a payment batch or burn) created before ``until`` must be decided (CONFIRMED, or
  FAILED: a refused one changed nothing on chain, and the comparison shows it if the register
  kept it); while one is PENDING or SUBMITTED the answer is None (ask again later);
* the block is the one before the first block that mined an action on the token recorded at
  or after ``until`` (ours, through the outbox, or a transfer made directly on chain that the
  indexer recorded at or after ``until``), else the head;
* and never past what the indexer has read for the token (its cursor): a transfer made
  directly on chain in a block not indexed yet would be missing from the register. When that
  keeps the block below the last block of an action recorded before ``until``, the mirror has
  not caught up: None.

When later actions mined before an earlier one did (the relay sends in id order, but an
action that waited can go after a later one), the block is still the one before the first
later action: the balances then differ from the register's snapshot and the action is
blocked with a break for an operator, never silently recorded.

Balances and the total supply are read at that block (:meth:`balances_at`, :meth:`supply_at`)
with ``eth_call`` at the block, many wallets in one JSON-RPC batch; the node must keep the
state of past blocks (an archive node; anvil does).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Min, Q

from core.models import OutboxEntry

from .backend import get_backend
from .calls import actions_touching
from .models import ChainTransaction, DeployedContract, IndexCursor, token_contract_name
from .port import ChainBackend

IN_FLIGHT = (OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED)
MINED = (ChainTransaction.Status.MINED, ChainTransaction.Status.CONFIRMED)
#: Wallets read per JSON-RPC batch.
READ_CHUNK = 500


class ChainRecordReader:
    """servicing.record.RecordReader over the mirror (see module doc)."""

    def __init__(self, backend: ChainBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> ChainBackend:
        if self._backend is None:
            self._backend = get_backend()
        return self._backend

    def _token(self, security_id: int) -> DeployedContract | None:
        return DeployedContract.objects.filter(name=token_contract_name(security_id),
                                               chain_id=self.backend.chain_id()).first()

    def record_block(self, *, security_id: int, until: datetime) -> int | None:
        token = self._token(security_id)
        if token is None:   # nothing on chain yet: its deployment is itself an action in flight
            return None
        touching = OutboxEntry.objects.filter(actions_touching([security_id]))
        if touching.filter(created_at__lt=until, status__in=IN_FLIGHT).exists():
            return None
        earlier = touching.filter(created_at__lt=until, status=OutboxEntry.Status.CONFIRMED)
        later = touching.filter(created_at__gte=until).values("id")
        chain_made = _chain_transfers(security_id)
        last_needed = max(earlier.aggregate(b=Max("block_number"))["b"] or 0,
                          chain_made.filter(created_at__lt=until).aggregate(b=Max("block_number"))["b"] or 0)
        candidates = [self.backend.block_number()]
        first_later = (ChainTransaction.objects.filter(Q(entry__in=later) | Q(links__entry__in=later),
                                                       status__in=MINED, block_number__isnull=False)
                       .aggregate(b=Min("block_number"))["b"])
        if first_later is not None:
            candidates.append(first_later - 1)
        first_chain_later = chain_made.filter(created_at__gte=until).aggregate(b=Min("block_number"))["b"]
        if first_chain_later is not None:
            candidates.append(first_chain_later - 1)
        cursor = (IndexCursor.objects.filter(contract=token.name, chain_id=token.chain_id)
                  .values_list("next_block", flat=True).first())
        indexed = (cursor or 0) - 1
        block = min(*candidates, indexed)
        if block < last_needed and indexed < last_needed:
            return None   # the indexer has not read that far yet
        return max(block, 0)

    def balances_at(self, *, security_id: int, wallets: list[str], block: int) -> dict[str, int]:
        token = self._token(security_id)
        if token is None:
            return dict.fromkeys(wallets, 0)
        out: dict[str, int] = {}
        for start in range(0, len(wallets), READ_CHUNK):
            chunk = wallets[start:start + READ_CHUNK]
            out.update(zip(chunk, self.backend.balances_at(token.address, chunk, block), strict=True))
        return out

    def supply_at(self, *, security_id: int, block: int) -> int:
        token = self._token(security_id)
        return 0 if token is None else self.backend.supply_at(token.address, block)


def _chain_transfers(security_id: int):
    """The register's records of transfers made directly on chain (the indexer's), by block."""
    from ledger.models import TokenAction

    return TokenAction.objects.filter(security_id=security_id, origin=TokenAction.Origin.CHAIN,
                                      block_number__isnull=False)
