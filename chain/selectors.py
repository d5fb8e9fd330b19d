"""Reads of the chain app: the mirror's state for operators (page and API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import desk_ensure
from accounts.models import User
from accounts.policy import Action
from core.errors import ConflictError, NotFoundError
from core.models import OutboxEntry

from .models import Break, ChainTransaction, DeployedContract, Reconciliation, token_contract_name
from .port import ChainError
from .retries import DEAD_LETTER, error_code


@dataclass
class Failure:
    id: int
    kind: str
    idempotency_key: str
    code: str
    error: str
    dead_letter: bool
    attempts: int
    updated_at: datetime


@dataclass
class Refused:
    """A stored transaction the node refuses (it stays PREPARED: its nonce holds up the ones
    after it). Refusals about fees are replaced by the confirmer; the others need an operator
    (e.g. "insufficient funds": top up the signer)."""

    tx_hash: str
    nonce: int
    entry_id: int
    function: str
    error: str
    attempts: int
    updated_at: datetime


@dataclass
class LaneStatus:
    """One signer lane (chain/lanes.py): its key's address and gas balance, its outbox rows
    waiting or on their way, its transactions not yet mined, how many contracts it serves."""

    lane: int
    signer: str
    pending: int = 0
    submitted: int = 0
    in_flight_transactions: int = 0
    oldest_pending_seconds: float | None = None
    targets: int = 0
    balance_wei: int | None = None


@dataclass
class MirrorStatus:
    depth: dict[str, int]
    oldest_pending_seconds: float | None
    in_flight_transactions: int
    last_confirmation: datetime | None
    failures: list[Failure] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    signer: str = ""
    signer_balance_wei: int | None = None
    block_number: int | None = None
    chain_error: str = ""
    lanes: list[LaneStatus] = field(default_factory=list)


def operator_required(*, user: User, what: str = "chain.mirror") -> None:
    """The mirror's desk: operators only; anyone else gets 403 (accounts.access)."""
    desk_ensure(user, Action.CHAIN_OUTBOX_RETRY, object_type=what)


def failed_entry_get_for(*, user: User, pk: int) -> OutboxEntry:
    operator_required(user=user, what="core.outboxentry")
    entry = OutboxEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise NotFoundError(_("No such chain action."))
    return entry


def mirror_status(*, backend=None, failures: int = 50) -> MirrorStatus:
    """Outbox depth by status, oldest pending age, failures (dead letters flagged), the
    signer's balance and the head block (empty with ``chain_error`` when the node is down)."""
    now = timezone.now()
    depth = {s: 0 for s in OutboxEntry.Status.values}
    depth.update(dict(OutboxEntry.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")))
    oldest = OutboxEntry.objects.filter(status=OutboxEntry.Status.PENDING).aggregate(m=Min("created_at"))["m"]
    rows = OutboxEntry.objects.filter(status=OutboxEntry.Status.FAILED).order_by("-updated_at")[:failures]
    status = MirrorStatus(
        depth=depth,
        oldest_pending_seconds=(now - oldest).total_seconds() if oldest else None,
        in_flight_transactions=ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE).count(),
        last_confirmation=ChainTransaction.objects.aggregate(m=Max("confirmed_at"))["m"],
        failures=[Failure(id=e.pk, kind=e.kind, idempotency_key=e.idempotency_key, code=error_code(e.last_error),
                          error=e.last_error, dead_letter=error_code(e.last_error) == DEAD_LETTER,
                          attempts=e.attempts, updated_at=e.updated_at) for e in rows],
        refused=refused_transactions(limit=failures),
    )
    try:
        if backend is None:
            from .backend import get_backend

            backend = get_backend()
        status.signer = backend.address
        status.signer_balance_wei = backend.native_balance()
        status.block_number = backend.block_number()
    except ChainError as exc:
        status.chain_error = exc.message
    status.lanes = lane_statuses(now=now, read_balances=not status.chain_error, lane0=status)
    return status


def lane_statuses(*, now, read_balances: bool = True, lane0: MirrorStatus | None = None) -> list[LaneStatus]:
    """Every signer lane, so an operator sees which one is held up (three queries whatever
    the number of lanes, plus one balance read per further lane when the node answers).
    ``lane0``: the status already read for lane 0's signer (its address and balance)."""
    from .backend import get_backend
    from .lanes import lane_count
    from .models import SignerLane

    lanes = []
    for lane in range(lane_count()):
        if lane == 0 and lane0 is not None and lane0.signer:
            lanes.append(LaneStatus(lane=0, signer=lane0.signer, balance_wei=lane0.signer_balance_wei))
            continue
        try:
            lanes.append(LaneStatus(lane=lane, signer=get_backend(lane=lane).address))
        except ChainError:
            lanes.append(LaneStatus(lane=lane, signer=""))
    by_lane = {item.lane: item for item in lanes}
    counts = (OutboxEntry.objects.filter(status__in=[OutboxEntry.Status.PENDING, OutboxEntry.Status.SUBMITTED])
              .values_list("lane", "status").annotate(n=Count("id"), oldest=Min("created_at")))
    for lane, row_status, n, oldest in counts:
        item = by_lane.get(lane)
        if item is None:
            continue
        setattr(item, row_status, n)
        if row_status == OutboxEntry.Status.PENDING and oldest is not None:
            item.oldest_pending_seconds = (now - oldest).total_seconds()
    live = dict(ChainTransaction.objects.filter(status__in=ChainTransaction.LIVE).values_list("signer")
                .annotate(n=Count("id")).values_list("signer", "n"))
    targets = dict(SignerLane.objects.values_list("lane").annotate(n=Count("id")).values_list("lane", "n"))
    for item in lanes:
        item.in_flight_transactions = live.get(item.signer, 0)
        item.targets = targets.get(item.lane, 0)
        if read_balances and item.signer and item.balance_wei is None:
            try:
                item.balance_wei = get_backend(lane=item.lane).native_balance()
            except ChainError:
                item.balance_wei = None
    return lanes


def refused_transactions(*, limit: int = 50) -> list[Refused]:
    """PREPARED transactions the node refused at their last broadcast, the newest of each
    nonce only (an older one was superseded by a fee bump), in nonce order."""
    rows = (ChainTransaction.objects.filter(status=ChainTransaction.Status.PREPARED, broadcast_attempts__gt=0)
            .exclude(error_message="").exclude(ChainTransaction.superseded()).order_by("nonce", "id")[:limit])
    return [Refused(tx_hash=t.tx_hash, nonce=t.nonce, entry_id=t.entry_id, function=t.function,
                    error=t.error_message, attempts=t.broadcast_attempts, updated_at=t.updated_at) for t in rows]


# ---------------------------------------------------------------- breaks and reconciliation

def break_desk_required(*, user: User, what: str = "chain.break") -> None:
    """Operators and compliance officers handle breaks; anyone else gets 403 (accounts.access)."""
    desk_ensure(user, Action.CHAIN_BREAK_RESOLVE, object_type=what)


def breaks_of(*, user: User, status: str | None = Break.Status.OPEN) -> QuerySet[Break]:
    """The breaks in `status` (None: every one), newest first (the API pages it by keyset)."""
    break_desk_required(user=user)
    rows = Break.objects.select_related("security", "resolved_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-detected_at", "-id")


def break_list(*, user: User, status: str | None = Break.Status.OPEN, limit: int = 200) -> list[Break]:
    return list(breaks_of(user=user, status=status)[:limit])


def break_get_for(*, user: User, pk: int) -> Break:
    break_desk_required(user=user)
    brk = Break.objects.select_related("security").filter(pk=pk).first()
    if brk is None:
        raise NotFoundError(_("No such break."))
    return brk


def last_reconciliation() -> Reconciliation | None:
    return Reconciliation.objects.order_by("-started_at", "-id").first()


def open_break_count() -> int:
    return Break.objects.filter(status=Break.Status.OPEN).count()


# ---------------------------------------------------------------- delivery versus payment

#: The Settlement contract's EIP-712 domain (platform/src/Settlement.sol).
SETTLEMENT_DOMAIN_NAME, SETTLEMENT_DOMAIN_VERSION = "Shoken Settlement", "1"


def _settlement_unavailable() -> ConflictError:
    return ConflictError(_("Settlement on chain is not available yet; try again later."),
                         code="settlement_unavailable")


def _settlement_contract() -> DeployedContract:
    """The Settlement contract: the only one recorded, else the one of the node's chain."""
    rows = list(DeployedContract.objects.filter(name="Settlement").order_by("id")[:2])
    if len(rows) > 1:
        from .backend import get_backend

        try:
            chain_id = get_backend().chain_id()   # asked of the node once per process, then cached
        except ChainError:
            raise _settlement_unavailable() from None
        rows = list(DeployedContract.objects.filter(name="Settlement", chain_id=chain_id))
    if not rows:
        raise _settlement_unavailable()
    return rows[0]


def settlement_terms(security_ids: list[int]) -> dict:
    """What a party signs a delivery against: the Settlement contract's EIP-712 domain and
    the token address of each security (``{"domain": {"name", "version", "chainId",
    "verifyingContract"}, "tokens": {security id: address}}``). ConflictError
    ``settlement_unavailable`` when the Settlement contract or one of the tokens is not
    deployed. The register reaches it through ``settings.SETTLEMENT_TERMS`` only."""
    contract = _settlement_contract()
    ids = sorted({int(i) for i in security_ids})
    names = {token_contract_name(i): i for i in ids}
    tokens = {names[name]: address for name, address in DeployedContract.objects.filter(
        name__in=names, chain_id=contract.chain_id).values_list("name", "address")}
    if len(tokens) != len(ids):
        raise _settlement_unavailable()
    return {"domain": {"name": SETTLEMENT_DOMAIN_NAME, "version": SETTLEMENT_DOMAIN_VERSION,
                       "chainId": contract.chain_id, "verifyingContract": contract.address},
            "tokens": tokens}


def token_addresses(security_ids: list[int]) -> dict[int, str]:
    """{security id: its token contract's address} for the securities whose token is deployed
    (the latest deployment when there were several chains); nothing asked of the node. Pages
    below chain/ reach it through settings.TOKEN_ADDRESSES only (issuance.chain_facts)."""
    names = {token_contract_name(int(i)): int(i) for i in security_ids}
    rows = DeployedContract.objects.filter(name__in=names).order_by("id").values_list("name", "address")
    return {names[name]: address for name, address in rows}
