"""What the mirror knows about the chain: the platform's deployed contracts, the signers'
nonces and lanes, and every transaction the relay signed."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from core.models import OutboxEntry


class DeployedContract(models.Model):
    """A contract the platform deployed: the shared investor registry (``InvestorRegistry``)
    and one token per security (``SecurityToken:<security id>``, recorded by the confirmer
    when the ``token.deploy`` action confirms). One row per name and chain id."""

    name = models.CharField(max_length=64)
    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    tx_hash = models.CharField(max_length=66)
    deployed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "chain_id"], name="chain_contract_per_chain")]

    def __str__(self) -> str:
        return f"{self.name}@{self.chain_id}:{self.address}"


def token_contract_name(security_id: int | str) -> str:
    return f"SecurityToken:{security_id}"


class SignerNonce(models.Model):
    """The next nonce of one signer on one chain. Allocated under SELECT ... FOR UPDATE in
    the same short transaction that stores the signed transaction (chain/nonces.py), so
    concurrent relay workers never hand out one nonce twice and never leave a gap."""

    signer = models.CharField(max_length=42)
    chain_id = models.PositiveBigIntegerField()
    next_nonce = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signer", "chain_id"], name="chain_nonce_per_signer")]

    def __str__(self) -> str:
        return f"{self.signer}@{self.chain_id}: next {self.next_nonce}"


class SignerLane(models.Model):
    """Which signer lane sends the actions on one contract (chain/lanes.py): ``target`` is
    ``security:<id>`` (its token; a cash token is a security too), ``registry`` or
    ``settlement``. Chosen the first time an action needs it and never moved afterwards: the
    lane's key deployed the token, so it alone holds the token's agent role."""

    target = models.CharField(max_length=64, unique=True)
    lane = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.target}: lane {self.lane}"


class ChainTransactionQuerySet(models.QuerySet):
    def move(self, to: str, **fields: Any) -> int:
        """Move the rows of this queryset on to ``to`` in ONE guarded UPDATE (``fields`` set
        too): only rows whose current status may go there (``ChainTransaction.TRANSITIONS``)
        are touched, so a row another worker moved on meanwhile is left alone. Returns how
        many moved. No audit event (a transaction's life is in its own row; the entry's
        transitions are audited)."""
        sources = ChainTransaction.sources_of(to)
        if not sources:
            raise ValueError(f"no transaction status leads to {to}")
        return self.filter(status__in=sources).update(status=to, **fields)


class ChainTransaction(models.Model):
    """One signed transaction for one step of an outbox action.

    Stored (PREPARED, with its raw bytes and hash) before it is broadcast; a rebroadcast
    sends these same bytes. Most actions are one step; ``token.deploy`` with rules and
    ``token.set_rules`` are several (chain/calls.py), done one after the other. A fee bump
    is a new row under the same nonce pointing at the one it ``replaces``; whichever of
    them mines wins and the others become REPLACED.
    """

    class Status(models.TextChoices):
        PREPARED = "prepared", "prepared"      # signed and stored, maybe not yet sent
        BROADCAST = "broadcast", "broadcast"   # the node accepted it (or already knew it)
        MINED = "mined", "mined"               # in a block, waiting for confirmations
        CONFIRMED = "confirmed", "confirmed"   # succeeded with enough confirmations
        FAILED = "failed", "failed"            # reverted on chain, or its nonce went to a foreign tx
        REPLACED = "replaced", "replaced"      # another tx under the same nonce won

    #: Every status change goes through this map: :meth:`ChainTransactionQuerySet.move` for
    #: rows (a guarded UPDATE), :meth:`move_to` for a locked row held in memory.
    TRANSITIONS = {
        Status.PREPARED: {Status.BROADCAST, Status.MINED, Status.CONFIRMED, Status.FAILED, Status.REPLACED},
        Status.BROADCAST: {Status.MINED, Status.CONFIRMED, Status.FAILED, Status.REPLACED},
        # back to BROADCAST on a reorg; REPLACED when a reorg lets another tx of the nonce win
        Status.MINED: {Status.CONFIRMED, Status.FAILED, Status.BROADCAST, Status.REPLACED},
    }
    LIVE = (Status.PREPARED, Status.BROADCAST, Status.MINED)

    entry = models.ForeignKey(OutboxEntry, on_delete=models.PROTECT, related_name="chain_transactions")
    step = models.PositiveSmallIntegerField(default=0)
    signer = models.CharField(max_length=42)
    chain_id = models.PositiveBigIntegerField()
    nonce = models.PositiveBigIntegerField()
    to_address = models.CharField(max_length=42, blank=True)  # empty for a deployment
    function = models.CharField(max_length=64)
    raw_tx = models.BinaryField()
    tx_hash = models.CharField(max_length=66, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARED)
    gas_limit = models.PositiveBigIntegerField()
    max_fee_per_gas = models.PositiveBigIntegerField()
    max_priority_fee_per_gas = models.PositiveBigIntegerField()
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    gas_used = models.PositiveBigIntegerField(null=True, blank=True)
    contract_address = models.CharField(max_length=42, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    broadcast_attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    mined_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChainTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "updated_at"], name="chain_tx_status_idx")]
        constraints = [
            # A nonce is allocated once: every other tx under it is a fee bump of the first.
            models.UniqueConstraint(fields=["signer", "chain_id", "nonce"], condition=Q(replaces__isnull=True),
                                    name="chain_tx_one_original_per_nonce"),
            # At most one of our txs per nonce can be in a block.
            models.UniqueConstraint(fields=["signer", "chain_id", "nonce"],
                                    condition=Q(status__in=["mined", "confirmed", "failed"]),
                                    name="chain_tx_one_mined_per_nonce"),
            # Never two live nonces for one step of one action (fee bumps share the nonce).
            models.UniqueConstraint(fields=["entry", "step"],
                                    condition=Q(replaces__isnull=True) & ~Q(status__in=["failed", "replaced"]),
                                    name="chain_tx_one_live_original_per_step"),
            # One successful tx per step of an action.
            models.UniqueConstraint(fields=["entry", "step"], condition=Q(status__in=["mined", "confirmed"]),
                                    name="chain_tx_one_success_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.function} nonce {self.nonce} [{self.status}] {self.tx_hash}"

    @classmethod
    def sources_of(cls, to: str) -> tuple[str, ...]:
        """The statuses from which a transaction may go to ``to``."""
        return tuple(source for source, targets in cls.TRANSITIONS.items() if to in targets)

    def move_to(self, to: str) -> None:
        """Set the status of this row (locked by the caller, written by it afterwards, e.g.
        with core.db.update_rows) after checking the map; ValueError on a move it forbids."""
        if to not in self.TRANSITIONS.get(self.status, ()):
            raise ValueError(f"a {self.status} transaction cannot become {to}")
        self.status = to

    @classmethod
    def superseded(cls) -> models.Exists:
        """Filter expression: a later transaction of ours exists under the same nonce (a fee
        bump replaced this one). `.exclude(ChainTransaction.superseded())` keeps the newest
        of each nonce."""
        return models.Exists(cls.objects.filter(signer=models.OuterRef("signer"), chain_id=models.OuterRef("chain_id"),
                                                nonce=models.OuterRef("nonce"), pk__gt=models.OuterRef("pk")))


class ChainTransactionEntry(models.Model):
    """The outbox entries one transaction carries. A batch (``batchMint``) links all its
    mints here, in the order of the call's arrays; ``ChainTransaction.entry`` is the first of
    them (the batch's lead). A single-entry transaction has no rows here: its ``entry`` says
    it all. Fee bumps copy the links of the transaction they replace."""

    tx = models.ForeignKey(ChainTransaction, on_delete=models.PROTECT, related_name="links")
    entry = models.ForeignKey(OutboxEntry, on_delete=models.PROTECT, related_name="chain_links")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["tx", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tx", "entry"], name="chain_link_entry_once_per_tx"),
            models.UniqueConstraint(fields=["tx", "position"], name="chain_link_position_once_per_tx"),
        ]

    def __str__(self) -> str:
        return f"tx {self.tx_id} #{self.position}: entry {self.entry_id}"


class IndexCursor(models.Model):
    """How far the indexer has read one contract's events: ``next_block`` is the first block
    not read yet. Each pass starts ``CHAIN_REORG_DEPTH`` blocks before it (re-reads are
    idempotent), so a short reorg is picked up."""

    contract = models.CharField(max_length=64)  # DeployedContract.name, e.g. SecurityToken:12
    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    next_block = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "chain_id", "address"],
                                               name="chain_cursor_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract}@{self.chain_id}: next block {self.next_block}"


class Break(models.Model):
    """One difference between the register and the chain, found by the reconciler. The
    register is never overwritten: an operator or compliance officer looks into it and
    resolves the break with a reason (the fix itself is a register action or a chain action)."""

    class Kind(models.TextChoices):
        BALANCE = "balance", "balance"
        FROZEN = "frozen", "frozen"
        TOTAL_SUPPLY = "total_supply", "total supply"
        REGISTRY = "registry", "registry"
        INVARIANT = "invariant", "invariant"
        #: A corporate action blocked at its record close: the chain at the record block
        #: disagrees with the register's snapshot (servicing's blocked_reason says how).
        RECORD_MISMATCH = "record_mismatch", "record mismatch"

    class Status(models.TextChoices):
        OPEN = "open", "open"
        RESOLVED = "resolved", "resolved"

    TRANSITIONS = {Status.OPEN: {Status.RESOLVED}}

    security = models.ForeignKey("issuance.Security", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="chain_breaks")
    wallet = models.CharField(max_length=42, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    register_value = models.CharField(max_length=200, blank=True)
    chain_value = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            # The same difference is one open break, however often the reconciler sees it.
            models.UniqueConstraint(fields=["security", "wallet", "kind", "register_value", "chain_value"],
                                    condition=Q(status="open"), name="chain_break_one_open_per_difference"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.wallet or '-'}: register {self.register_value} / chain {self.chain_value}"


class Reconciliation(models.Model):
    """One run of the reconciler (scheduled or on demand)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    securities_checked = models.PositiveIntegerField(default=0)
    breaks_found = models.PositiveIntegerField(default=0)   # differences seen in this run (new or still open)
    breaks_new = models.PositiveIntegerField(default=0)
    skipped_in_flight = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Mode(models.TextChoices):
        FULL = "full", "full"                       # every wallet of every token
        INCREMENTAL = "incremental", "incremental"  # only wallets touched since the last run's block

    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.FULL)
    #: The chain block every read of this run was pinned to (None: the run read nothing).
    block = models.PositiveBigIntegerField(null=True, blank=True)
    wallets_checked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M:%S}: {self.breaks_found} breaks"


class SeenWallet(models.Model):
    """A wallet the indexer saw in a token's Transfer events (ours or not), so the reconciler
    also checks wallets the register does not know."""

    contract = models.CharField(max_length=64)  # SecurityToken:<security id>
    chain_id = models.PositiveBigIntegerField()
    wallet = models.CharField(max_length=42)
    first_block = models.PositiveBigIntegerField()
    #: The last block at which the indexer saw an event touching this wallet on this token
    #: (an incremental reconciliation checks wallets touched after its last run's block).
    last_block = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "chain_id", "wallet"],
                                               name="chain_seen_wallet_once")]

    def __str__(self) -> str:
        return f"{self.wallet} in {self.contract}"
