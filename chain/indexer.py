"""The indexer: reads every deployed token's events and records into the register the
transfers that were made directly on chain (an investor's own ``transfer`` between two
allowed wallets), marked chain-originated.

One pass (:func:`index_sweep`, task ``chain.index_sweep``, beat every ``CHAIN_INDEX_SECONDS``),
per ``SecurityToken:<id>`` on this chain:

* reads from ``cursor.next_block - CHAIN_REORG_DEPTH`` (the first pass: the deployment's
  block) to the head, at most ``CHAIN_INDEX_MAX_BLOCKS`` blocks, in windows of
  ``CHAIN_INDEX_WINDOW`` blocks; network reads happen outside any transaction;
* a ``Transfer`` between two non-zero wallets is chain-originated unless its transaction is
  one of ours (a ``ChainTransaction`` hash) or an agent operation (a transaction that also
  emits ``ForcedTransfer``, ``WalletRecovered``, ``Minted``/``Burned`` or a batch event: those
  carry a ref; one the platform did not send is the reconciler's business, as a Break);
* records it with ``ledger.services.chain_transfer_record`` (idempotent on tx hash + log
  index, so re-reading blocks, after a reorg or a crash, records nothing twice); a wallet the
  register does not know is logged and left to the reconciler;
* remembers every wallet an event touches (``SeenWallet``: transfers, mints, burns, forced
  transfers, recoveries, freezes and payments; ``last_block`` is the latest block with such an
  event, never moved back by a re-read, so an incremental reconciliation checks exactly the
  wallets touched after its last block) and moves the cursor (``IndexCursor``) after the window
  is handled, so a crash re-reads, never skips.

A reorg deeper than ``CHAIN_REORG_DEPTH`` is not undone here: the reconciler reports it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from core.audit import audit_record
from core.errors import ApplicationError

from .backend import get_backend
from .models import ChainTransaction, DeployedContract, IndexCursor, SeenWallet
from .port import ChainEvent

log = logging.getLogger(__name__)
ZERO = "0x" + "0" * 40
AGENT_EVENTS = {"ForcedTransfer", "WalletRecovered", "Minted", "Burned", "BatchMinted", "BatchBurned", "BatchPaid"}
TOKEN_PREFIX = "SecurityToken:"
#: The arguments of each token event that name a holder's wallet (its balance or frozen amount
#: may have changed): SeenWallet.last_block follows them.
WALLET_ARGS = {"Transfer": ("from", "to"), "Minted": ("to",), "Burned": ("from",), "ForcedTransfer": ("from", "to"),
               "WalletRecovered": ("lost", "replacement"), "WalletFreezeChanged": ("wallet",),
               "TokensFrozen": ("wallet",), "TokensUnfrozen": ("wallet",), "BatchPaid": ("from",)}


@dataclass
class IndexResult:
    contracts: int = 0
    blocks: int = 0
    events: int = 0
    recorded: int = 0
    already: int = 0
    ours: int = 0
    refused: list[str] = field(default_factory=list)


def token_contracts(chain_id: int) -> list[DeployedContract]:
    return list(DeployedContract.objects.filter(name__startswith=TOKEN_PREFIX, chain_id=chain_id).order_by("id"))


def security_id_of(contract: DeployedContract) -> int:
    return int(contract.name.removeprefix(TOKEN_PREFIX))


def index_sweep(*, backend=None, head: int | None = None) -> IndexResult:
    """One pass over every token up to ``head`` (the node's head when None; the reconciler
    passes the block its reads are pinned to)."""
    backend = backend or get_backend()
    result = IndexResult()
    head = backend.block_number() if head is None else head
    for contract in token_contracts(backend.chain_id()):
        index_token(contract=contract, head=head, backend=backend, result=result)
    return result


def _cursor(contract: DeployedContract) -> IndexCursor:
    start = (ChainTransaction.objects.filter(tx_hash=contract.tx_hash).values_list("block_number", flat=True).first()
             or 0)
    with transaction.atomic(durable=True):
        cursor, created = IndexCursor.objects.get_or_create(
            contract=contract.name, chain_id=contract.chain_id, address=contract.address,
            defaults={"next_block": start})
        if created:
            audit_record(action="chain.index_cursor_created", obj=cursor,
                         new={"contract": contract.name, "address": contract.address, "next_block": start})
    return cursor


def index_token(*, contract: DeployedContract, head: int, backend, result: IndexResult | None = None) -> IndexResult:
    """Read one token's new blocks (plus the re-read margin) and record chain transfers."""
    result = result or IndexResult()
    cursor = _cursor(contract)
    result.contracts += 1
    # After a reorg to a shorter chain the cursor may be past the head: re-read from the head.
    resume = min(cursor.next_block, head + 1)
    start = max(resume - settings.CHAIN_REORG_DEPTH, 0)
    end = min(head, resume + settings.CHAIN_INDEX_MAX_BLOCKS - 1)
    if start > end:
        return result
    window = max(settings.CHAIN_INDEX_WINDOW, 1)
    lo = start
    while lo <= end:
        hi = min(end, lo + window - 1)
        events = backend.events(contract.address, lo, hi)
        _handle(contract=contract, events=events, result=result)
        with transaction.atomic(durable=True):
            IndexCursor.objects.filter(pk=cursor.pk).update(next_block=hi + 1)
        result.blocks += hi - lo + 1
        result.events += len(events)
        lo = hi + 1
    return result


def _handle(*, contract: DeployedContract, events: list[ChainEvent], result: IndexResult) -> None:
    _remember_wallets(contract=contract, events=events)
    transfers = [e for e in events if e.name == "Transfer"]
    if not transfers:
        return
    hashes = {e.tx_hash for e in transfers}
    ours = set(ChainTransaction.objects.filter(tx_hash__in=hashes).values_list("tx_hash", flat=True))
    agent = {e.tx_hash for e in events if e.name in AGENT_EVENTS}
    security = None
    for event in sorted(transfers, key=lambda e: (e.block_number, e.log_index)):
        sender, recipient = str(event.args.get("from")), str(event.args.get("to"))
        if sender.lower() == ZERO or recipient.lower() == ZERO:
            continue
        if event.tx_hash in ours or event.tx_hash in agent:
            result.ours += 1
            continue
        if security is None:
            from issuance.models import Security

            security = Security.objects.get(pk=security_id_of(contract))
        from ledger.services import chain_transfer_record

        try:
            action = chain_transfer_record(security=security, from_address=sender, to_address=recipient,
                                           amount=int(event.args.get("value")), tx_hash=event.tx_hash,
                                           log_index=event.log_index, block_number=event.block_number)
        except ApplicationError as exc:
            log.warning("chain transfer %s#%s of %s not recorded: [%s] %s", event.tx_hash, event.log_index,
                        contract.name, exc.code, exc)
            result.refused.append(f"{event.tx_hash}#{event.log_index}: {exc.code}")
            continue
        if action is None:
            result.already += 1
        else:
            result.recorded += 1


_REMEMBER = (
    "INSERT INTO {table} (contract, chain_id, wallet, first_block, last_block) VALUES {rows}"
    " ON CONFLICT (contract, chain_id, wallet) DO UPDATE SET"
    " first_block = LEAST({table}.first_block, EXCLUDED.first_block),"
    " last_block = GREATEST(COALESCE({table}.last_block, 0), EXCLUDED.last_block)"
)
_REMEMBER_CHUNK = 1000


def _remember_wallets(*, contract: DeployedContract, events: list[ChainEvent]) -> None:
    """Every wallet the events touch: first and last block, in one upsert per chunk."""
    blocks: dict[str, tuple[int, int]] = {}
    for event in events:
        for key in WALLET_ARGS.get(event.name, ()):
            wallet = str(event.args.get(key))
            if wallet.lower() == ZERO or len(wallet) != 42:
                continue
            first, last = blocks.get(wallet, (event.block_number, event.block_number))
            blocks[wallet] = (min(first, event.block_number), max(last, event.block_number))
    if not blocks:
        return
    rows = sorted(blocks.items())   # one order for every writer: no deadlock between two sweeps
    table = connection.ops.quote_name(SeenWallet._meta.db_table)
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        for start in range(0, len(rows), _REMEMBER_CHUNK):
            chunk = rows[start:start + _REMEMBER_CHUNK]
            params: list = []
            for wallet, (first, last) in chunk:
                params += [contract.name, contract.chain_id, wallet, first, last]
            cursor.execute(_REMEMBER.format(table=table, rows=", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))),
                           params)
