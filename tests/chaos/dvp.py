"""Delivery-versus-payment trades for the chaos test (issue 13).

Traders are KYC-approved investors with self-custodied wallets whose keys this module owns
(registered on chain through the outbox, as the harness registers its investors). Each
holds units of a bond of the world's issuer (issued through the register; not the bond the
other actions issue, so that those keep their batched mints) and yen of the JPY cash token
(deposited: the investor asks, one cash agent records the receipt, a second approves it
above the limit, the register mints). A trade is one line of the bond's board driven through
the ledger services the pages use: ``offer_create`` by the seller, ``offer_accept`` by the
buyer, ``settlement_authorize`` by both with an EIP-712 signature made here with
eth_account; the last signature submits it (both legs held, one ``settlement.dvp`` action).

Some trades are made to fail on purpose (``Trade.intent``):

* ``late``: the node's clock runs two hours ahead of the platform's (``evm_increaseTime``,
  as a node with a skewed clock would), and the offer expires in one hour: the register
  accepts and holds both legs, the contract refuses (``AuthorizationExpired``) and the
  register must release both holds;
* ``poor``: the buyer's wallet holds less cash than the price: the register refuses at the
  last signature (``insufficient_cash``), the seller cancels the offer;
* ``ineligible``: the buyer resides where the bond may not be held: ``offer_accept`` is
  refused with the rule engine's code, the seller cancels the offer.

:func:`dvp_verify` then counts settled and failed trades and ``half_settled``: trades with
exactly one leg moved, or moved on one side (register or chain) and not on the other, checked
in the register (the settlement's TokenActions and the positions of both tokens against the
seeds plus the settled trades, nothing left held) and on chain (the Settled events against
the settled rows, the two Transfer events in each Settled transaction, balances of both
tokens against the register).
"""

from __future__ import annotations

import hashlib
import queue
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

#: Seconds the node's clock runs ahead of the platform's (see ``late`` above).
NODE_CLOCK_AHEAD = 2 * 3600
#: Share of each intent among the trades (the rest settle).
INTENTS = (("late", 0.15), ("poor", 0.08), ("ineligible", 0.07))
#: How each intent must end: the settlement's status or failure code, or the register's refusal.
INTENDED = {"settle": "settled", "late": "authorization_expired", "poor": "insufficient_cash",
            "ineligible": "country_not_allowed"}
SETTLEMENT_KINDS = ("settlement.dvp", "settlement.primary")
SEED_UNITS = 20_000
SEED_CASH = Decimal("5000000")     # JPY, above the default approval limit: two cash agents
POOR_CASH = Decimal("50")        # below the smallest price (1 unit at 100 JPY)


@dataclass
class Trader:
    user: object
    wallet: object       # investors.Wallet (self-custodied)
    key: str


@dataclass
class Trade:
    n: int
    intent: str          # settle | late | poor | ineligible
    seller: Trader
    buyer: Trader
    units: int
    unit_price: int      # JPY per unit
    seller_signs_first: bool
    offer_id: int | None = None
    price: int = 0       # cash base units, as the offer computed it
    settlement_id: int | None = None
    refused: str = ""    # the register's code when it refused the trade at once


@dataclass
class Market:
    security: object
    cash: object
    traders: list[Trader]
    poor: Trader
    ineligible: Trader
    seeds: dict[tuple[int, str], int]      # (security id, wallet) -> base units seeded
    trades: list[Trade] = field(default_factory=list)


def _key(i: int) -> str:
    return "0x" + hashlib.sha256(f"shoken-chaos-dvp-{i}".encode()).hexdigest()


def _trader(i: int, *, country: str = "JP") -> Trader:
    from django.db import transaction
    from eth_account import Account

    from investors.registry import register_wallet
    from investors.tests.factories import InvestorProfileFactory, WalletFactory

    key = _key(i)
    profile = InvestorProfileFactory(approved=True, residence_country=country)
    wallet = WalletFactory(profile=profile, address=Account.from_key(key).address)
    with transaction.atomic():
        register_wallet(wallet=wallet, profile=profile)
    return Trader(user=profile.user, wallet=wallet, key=key)


def _deposit(trader: Trader, amount: Decimal, agents: tuple) -> None:
    """The investor asks, a cash agent records the bank receipt, a second one approves it
    when it is above the limit: the register mints the cash (a token.mint action)."""
    from cash.models import CashDeposit
    from cash.services.deposits import deposit_approve, deposit_receipt_record, deposit_request
    from core.clock import business_today

    deposit = deposit_request(holder=trader.user, currency="JPY", amount=amount, actor=trader.user,
                              wallet=trader.wallet)
    deposit = deposit_receipt_record(deposit=deposit, amount=amount, bank_reference=f"CHAOS-{deposit.pk}",
                                     value_date=business_today(), actor=agents[0])
    if deposit.status == CashDeposit.Status.RECEIVED:
        deposit_approve(deposit=deposit, actor=agents[1])


def market_setup(*, world, node, traders: int = 6, settle_timeout: float = 120) -> Market:
    """The traded bond (another of the world issuer's, for JP residents only: the relay keeps
    a settlement in order with every action on its tokens, so the world's bond keeps its
    batched mints), the JPY cash token (created by a cash agent, deployed through the
    outbox), ``traders`` trading investors plus a poor one and an ineligible one (a US
    resident), their bond units and cash; waits until the workers confirmed all of it, then
    sets the node's clock ahead (NODE_CLOCK_AHEAD)."""
    from accounts.models import Role
    from accounts.tests.factories import UserFactory
    from cash.services.tokens import cash_token_create

    from .harness import issue_many, security_add, wait_settled

    agents = (UserFactory(role=Role.CASH_AGENT), UserFactory(role=Role.CASH_AGENT))
    cash = cash_token_create(currency="JPY", actor=agents[0]).security
    security = security_add(world=world, settle_timeout=settle_timeout, allowed_countries=["JP"])
    people = [_trader(i) for i in range(traders)]
    poor, ineligible = _trader(traders), _trader(traders + 1, country="US")
    wait_settled(timeout=settle_timeout, what="trader wallets")
    issue_many(world=world, wallets=[t.wallet.address for t in people + [poor]], amount=SEED_UNITS, first=0,
               tag="dvp-seed", security=security)
    for trader in people:
        _deposit(trader, SEED_CASH, agents)
    _deposit(poor, POOR_CASH, agents)
    wait_settled(timeout=settle_timeout, what="trader seeds")
    seeds = {(security.pk, t.wallet.address): SEED_UNITS for t in people + [poor]}
    seeds.update({(cash.pk, t.wallet.address): int(SEED_CASH) for t in people})
    seeds[(cash.pk, poor.wallet.address)] = int(POOR_CASH)
    node.rpc("evm_increaseTime", [NODE_CLOCK_AHEAD])
    node.rpc("evm_mine")
    return Market(security=security, cash=cash, traders=people, poor=poor, ineligible=ineligible, seeds=seeds)


def _sign(typed: dict, key: str) -> str:
    from eth_account import Account

    return "0x" + bytes(Account.sign_typed_data(key, full_message=typed).signature).hex()


def _intent(rng: random.Random) -> str:
    draw, edge = rng.random(), 0.0
    for intent, share in INTENTS:
        edge += share
        if draw < edge:
            return intent
    return "settle"


def plan(*, market: Market, rng: random.Random, n: int) -> Trade:
    """The terms of the n-th action's trade, drawn from the run's seed (module docstring)."""
    intent = _intent(rng)
    seller, buyer = rng.sample(market.traders, 2)
    buyer = {"poor": market.poor, "ineligible": market.ineligible}.get(intent, buyer)
    return Trade(n=n, intent=intent, seller=seller, buyer=buyer, units=rng.randint(1, 40),
                 unit_price=rng.randint(100, 2_000), seller_signs_first=rng.random() < 0.5)


def trade(*, market: Market, record: Trade) -> Trade:
    """One trade on the bond's board, through the ledger services the pages use. A refusal by
    the register is part of the story (its code is kept, the seller cancels the offer);
    anything else raises."""
    from django.utils import timezone

    from core.errors import ApplicationError
    from ledger.services.board import offer_accept, offer_cancel, offer_create
    from ledger.services.settlement import settlement_authorize
    from ledger.settlement_selectors import settlement_typed_data

    seller, buyer = record.seller, record.buyer
    expires = timezone.now() + (timedelta(hours=1) if record.intent == "late" else timedelta(days=1))
    offer = offer_create(security=market.security, wallet=seller.wallet, units=record.units,
                         unit_price=Decimal(record.unit_price), expires_at=expires, actor=seller.user)
    record.offer_id, record.price = offer.pk, int(offer.price)
    market.trades.append(record)
    try:
        settlement = offer_accept(offer=offer, wallet=buyer.wallet, actor=buyer.user)
        record.settlement_id = settlement.pk
        typed = settlement_typed_data(settlement)
        for party in (seller, buyer) if record.seller_signs_first else (buyer, seller):
            settlement = settlement_authorize(settlement=settlement, signature=_sign(typed, party.key),
                                              actor=party.user)
    except ApplicationError as error:
        record.refused = error.code or type(error).__name__
        offer_cancel(offer=offer, actor=seller.user)
    return record


class TradeFeeder:
    """Runs planned trades on ``threads`` threads (each with its own database connection), so
    they are fed alongside the other actions, not one after another with them: a trade is
    several register transactions (offer, accept, two authorizations)."""

    def __init__(self, market: Market, *, threads: int = 2) -> None:
        self.market = market
        self.queue: queue.Queue[Trade | None] = queue.Queue()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, daemon=True, name=f"chaos-trades-{i}")
                        for i in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def put(self, record: Trade) -> None:
        self.queue.put(record)

    def _run(self) -> None:
        from django.db import connection

        try:
            while (record := self.queue.get()) is not None:
                try:
                    trade(market=self.market, record=record)
                except BaseException as exc:  # noqa: BLE001 (reported by the test)
                    self.errors.append(exc)
        finally:
            connection.close()

    def finish(self, *, timeout: float) -> None:
        """Wait until every planned trade was fed (bounded), then end the threads."""
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(timeout=timeout)
        if any(thread.is_alive() for thread in self.threads):
            raise TimeoutError(f"trades still being fed after {timeout:.0f}s")

    def stop(self) -> None:
        """Drop the trades not started yet and end the threads (after a failure elsewhere)."""
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass
        self.finish(timeout=120)


# ---------------------------------------------------------------- checks

@dataclass
class DvpVerdict:
    settled: int
    failed: int
    half_settled: int
    lost: int
    duplicated: int
    breaks: int
    unexpected: int      # trades whose outcome is not the one their intent makes certain
    details: list[str]


def _chain_view(market: Market, backend) -> tuple[dict[int, object], dict[str, list], str, str]:
    """Settled events by nonce, Transfer events of both tokens by tx hash, the token addresses."""
    from chain.models import DeployedContract, token_contract_name

    chain_id = backend.chain_id()
    address = {name: DeployedContract.objects.get(name=name, chain_id=chain_id).address
               for name in ("Settlement", token_contract_name(market.security.pk), token_contract_name(market.cash.pk))}
    head = backend.block_number()
    settled: dict[int, object] = {}
    for event in backend.events(address["Settlement"], 0, head):
        if event.name == "Settled":
            settled.setdefault(int(event.args["nonce"]), []).append(event)
    transfers: dict[str, list] = {}
    for token in (token_contract_name(market.security.pk), token_contract_name(market.cash.pk)):
        for event in backend.events(address[token], 0, head):
            if event.name == "Transfer":
                transfers.setdefault(event.tx_hash, []).append(event)
    return settled, transfers, address[token_contract_name(market.security.pk)], \
        address[token_contract_name(market.cash.pk)]


def _leg_moved(events: list, token: str, sender: str, receiver: str, amount: int) -> int:
    """1 when exactly one Transfer of `token` in the transaction moved `amount` as the leg says."""
    moves = [(e.args["from"].lower(), e.args["to"].lower(), int(e.args["value"]))
             for e in events if e.contract.lower() == token.lower()]
    return int(moves == [(sender.lower(), receiver.lower(), amount)])


def dvp_verify(*, market: Market, backend) -> DvpVerdict:
    """Counts and checks every trade of the run (module docstring)."""
    from chain.models import ChainTransaction
    from core.models import OutboxEntry
    from ledger.invariants import check_invariants
    from ledger.models import Position, Settlement, TokenAction, TradeOffer

    details: list[str] = []
    half = lost = duplicated = breaks = unexpected = 0
    settlements = Settlement.objects.in_bulk([t.settlement_id for t in market.trades if t.settlement_id])
    offers = TradeOffer.objects.in_bulk([t.offer_id for t in market.trades])
    legs = Counter(TokenAction.objects.filter(settlement_id__in=settlements).values_list("settlement_id", flat=True))
    settled_events, transfers, sec_token, cash_token = _chain_view(market, backend)
    outcomes: Counter = Counter()
    expected = dict(market.seeds)
    for trade in market.trades:
        seller, buyer = trade.seller.wallet.address, trade.buyer.wallet.address
        row = settlements.get(trade.settlement_id)
        status = row.status if row is not None else ""
        offer_status = offers[trade.offer_id].status
        register_legs = legs.get(trade.settlement_id, 0)
        events = settled_events.get(trade.settlement_id, []) if trade.settlement_id else []
        chain_legs = 0
        if len(events) > 1:
            duplicated += 1
            details.append(f"trade {trade.n}: {len(events)} Settled events for nonce {trade.settlement_id}")
        if events:
            moved = transfers.get(events[0].tx_hash, [])
            chain_legs = (_leg_moved(moved, sec_token, seller, buyer, trade.units)
                          + _leg_moved(moved, cash_token, buyer, seller, trade.price))
        if register_legs == 1 or chain_legs == 1 or (register_legs == 2) != (chain_legs == 2):
            half += 1
            details.append(f"half settled: trade {trade.n} ({trade.intent}) settlement {trade.settlement_id} "
                           f"{status}: register legs {register_legs}, chain legs {chain_legs}")
        if status == Settlement.Status.SETTLED:
            outcomes["settled"] += 1
            if register_legs != 2 or offer_status != TradeOffer.Status.SETTLED:
                breaks += 1
                details.append(f"trade {trade.n}: settled with {register_legs} legs, offer {offer_status}")
            expected[(market.security.pk, seller)] -= trade.units
            expected[(market.security.pk, buyer)] = expected.get((market.security.pk, buyer), 0) + trade.units
            expected[(market.cash.pk, buyer)] -= trade.price
            expected[(market.cash.pk, seller)] += trade.price
        elif status in (Settlement.Status.FAILED, Settlement.Status.CANCELLED, Settlement.Status.EXPIRED) or (
                row is None and trade.refused):
            code = row.failure_code if status == Settlement.Status.FAILED else trade.refused or status
            outcomes[f"failed:{code}"] += 1
            if register_legs or offer_status in (TradeOffer.Status.SETTLED, TradeOffer.Status.SUBMITTED):
                breaks += 1
                details.append(f"trade {trade.n}: {status or 'refused'} with {register_legs} legs, offer "
                               f"{offer_status}")
        else:   # still awaiting, or submitted with its outbox entry decided: the outcome was lost
            lost += 1
            entry = OutboxEntry.objects.filter(pk=getattr(row, "outbox_id", None)).first()
            details.append(f"trade {trade.n} ({trade.intent}) undecided: settlement {status or '-'}, offer "
                           f"{offer_status}, entry {getattr(entry, 'status', '-')} {getattr(entry, 'last_error', '')}")
        ended = row.failure_code if status == Settlement.Status.FAILED else trade.refused or status
        if ended != INTENDED[trade.intent]:
            unexpected += 1
            details.append(f"unexpected: trade {trade.n} ({trade.intent}) ended {ended or 'undecided'}")
    strays = set(settled_events) - set(settlements)
    if strays:   # the chain moved both legs of a delivery no trade of the register stands for
        half += len(strays)
        details.append(f"Settled events without a settled row: nonces {sorted(strays)[:10]}")

    # One mined, successful transaction per settled trade, none for a refused one.
    entry_ids = [row.outbox_id for row in settlements.values() if row.outbox_id]
    ok = Counter(ChainTransaction.objects.filter(entry_id__in=entry_ids, status=ChainTransaction.Status.CONFIRMED)
                 .values_list("entry_id", flat=True))
    for row in settlements.values():
        want = 1 if row.status == Settlement.Status.SETTLED else 0
        if row.outbox_id and ok.get(row.outbox_id, 0) != want:
            duplicated += ok.get(row.outbox_id, 0) > 1
            breaks += ok.get(row.outbox_id, 0) <= 1
            details.append(f"settlement {row.pk} {row.status}: {ok.get(row.outbox_id, 0)} confirmed transactions")

    # Positions: seeds plus settled trades, nothing held; the chain agrees for both tokens.
    for security, token in ((market.security, sec_token), (market.cash, cash_token)):
        positions = {p.wallet: p for p in Position.objects.filter(security=security)}
        for (security_id, wallet), want in expected.items():
            if security_id != security.pk:
                continue
            got = int(positions[wallet].balance) if wallet in positions else 0
            if got != want:
                breaks += 1
                details.append(f"{security.symbol} {wallet}: register {got}, seeds + settled trades {want}")
        for wallet, position in positions.items():
            if int(position.held):
                breaks += 1
                details.append(f"{security.symbol} {wallet}: {position.held} still held")
            on_chain = backend.balance_of(token, wallet)
            if on_chain != int(position.balance):
                breaks += 1
                details.append(f"{security.symbol} {wallet}: chain {on_chain}, register {position.balance}")
        problems = check_invariants(security=security)
        breaks += len(problems)
        details.extend(f"invariant ({security.symbol}): {p}" for p in problems)
    from cash.invariants import trust_problems

    problems = trust_problems(security=market.cash)
    breaks += len(problems)
    details.extend(problems)
    settled = outcomes.pop("settled", 0)
    failed = sum(outcomes.values())
    codes = ", ".join(f"{key.removeprefix('failed:')}={count}" for key, count in sorted(outcomes.items()))
    details.insert(0, f"dvp: {len(market.trades)} trades, {settled} settled, {failed} failed ({codes})")
    return DvpVerdict(settled=settled, failed=failed, half_settled=half, lost=lost, duplicated=duplicated,
                      breaks=breaks, unexpected=unexpected, details=details)
