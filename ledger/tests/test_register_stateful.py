"""Hypothesis drives random sequences of register operations (issue, transfer, redeem,
freezes, pause, forced transfer, chain-originated transfer) and checks after every step:
the invariants hold, the register equals a simple model, and a refused operation wrote
nothing.

`make test` runs 15 examples of 25 steps; `make soak` runs SOAK_EXAMPLES (1,000) with the seed
SOAK_SEED, printed so a failure can be replayed (docs/development.md "Soak")."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.clock import business_today
from core.errors import ApplicationError
from core.models import OutboxEntry
from issuance.tests.factories import SecurityFactory
from ledger import services
from ledger.invariants import check_invariants
from ledger.models import TokenAction
from ledger.selectors import control_book_for, register_positions
from ledger.snapshots import replay

from .factories import approved_investor

_counter = itertools.count()
WALLETS = 4
amounts = st.integers(min_value=-2, max_value=40)
who = st.integers(min_value=0, max_value=WALLETS - 1)


class Register(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_counter)
        self.security = SecurityFactory(issuer=self.issuer, created_by=self.admin, symbol=f"HY{n}")
        self.wallets = [approved_investor()[1][0] for _ in range(WALLETS)]
        self.addresses = [w.address for w in self.wallets]
        self.model = {a: [0, 0] for a in self.addresses}  # balance, frozen
        self.wallet_frozen = dict.fromkeys(self.addresses, False)
        self.paused = False
        self.issued = self.redeemed = 0

    # -- helpers --------------------------------------------------------------------------

    def _state(self):
        book = control_book_for(security=self.security)
        return (register_positions(security=self.security), int(book.issued), int(book.redeemed),
                TokenAction.objects.filter(security=self.security).count(), OutboxEntry.objects.count())

    def _try(self, fn) -> bool:
        before = self._state()
        try:
            fn()
        except ApplicationError:
            assert self._state() == before, "a refused operation wrote something"
            return False
        return True

    # -- rules ------------------------------------------------------------------------------

    @rule(i=who, amount=amounts)
    def issue(self, i: int, amount: int) -> None:
        ok = self._try(lambda: services.tokens_issue(security=self.security, wallet=self.wallets[i], amount=amount,
                                                     actor=self.admin, reason="hypothesis"))
        expected = amount > 0 and not self.paused and not self.wallet_frozen[self.addresses[i]]
        assert ok == expected
        if ok:
            self.model[self.addresses[i]][0] += amount
            self.issued += amount

    @rule(i=who, j=who, amount=amounts)
    def transfer(self, i: int, j: int, amount: int) -> None:
        a, b = self.addresses[i], self.addresses[j]
        ok = self._try(lambda: services.tokens_transfer(security=self.security, from_wallet=a, to_wallet=b,
                                                        amount=amount, actor=self.admin))
        free = self.model[a][0] - self.model[a][1]
        expected = (a != b and 0 < amount <= free and not self.paused and not self.wallet_frozen[a]
                    and not self.wallet_frozen[b] and self.model[a][0] > 0)
        assert ok == expected, (a, b, amount, self.model, self.paused, self.wallet_frozen)
        if ok:
            self.model[a][0] -= amount
            self.model[b][0] += amount

    @rule(i=who, amount=amounts)
    def redeem(self, i: int, amount: int) -> None:
        a = self.addresses[i]
        ok = self._try(lambda: services.tokens_redeem(security=self.security, wallet=a, amount=amount,
                                                      actor=self.admin))
        if ok:
            self.model[a][0] -= amount
            self.model[a][1] = min(self.model[a][1], self.model[a][0])
            self.redeemed += amount
        else:
            assert amount <= 0 or amount > self.model[a][0] or self.model[a] == [0, 0]

    @rule(i=who, amount=amounts, freeze=st.booleans())
    def freeze_tokens(self, i: int, amount: int, freeze: bool) -> None:
        a = self.addresses[i]
        fn = services.tokens_freeze if freeze else services.tokens_unfreeze
        if self._try(lambda: fn(security=self.security, wallet=a, amount=amount, actor=self.officer, reason="h")):
            self.model[a][1] += amount if freeze else -amount

    @rule(i=who)
    def toggle_wallet_freeze(self, i: int) -> None:
        a = self.addresses[i]
        fn = services.wallet_unfreeze if self.wallet_frozen[a] else services.wallet_freeze
        if self._try(lambda: fn(security=self.security, wallet=a, actor=self.officer, reason="h")):
            self.wallet_frozen[a] = not self.wallet_frozen[a]

    @rule()
    def toggle_pause(self) -> None:
        fn = services.security_unpause if self.paused else services.security_pause
        assert self._try(lambda: fn(security=self.security, actor=self.admin, reason="h"))
        self.paused = not self.paused

    @rule(i=who, j=who, amount=amounts)
    def forced_transfer(self, i: int, j: int, amount: int) -> None:
        a, b = self.addresses[i], self.addresses[j]
        try:
            request = services.forced_transfer_request(security=self.security, from_wallet=a, to_wallet=b,
                                                       amount=amount, reason="order", actor=self.officer)
        except ApplicationError:
            return
        services.compliance_request_approve(request=request, actor=self.second)
        self.model[a][0] -= amount
        self.model[a][1] = min(self.model[a][1], self.model[a][0])
        self.model[b][0] += amount

    @rule(i=who, j=who, amount=amounts)
    def chain_transfer(self, i: int, j: int, amount: int) -> None:
        a, b = self.addresses[i], self.addresses[j]
        tx = "0x" + f"{next(_counter):064x}"
        if self._try(lambda: services.chain_transfer_record(security=self.security, from_address=a, to_address=b,
                                                           amount=amount, tx_hash=tx, log_index=0, block_number=1)):
            self.model[a][0] -= amount
            self.model[b][0] += amount

    # -- after every step --------------------------------------------------------------------

    @invariant()
    def register_holds(self) -> None:
        assert check_invariants(security=self.security) == []
        positions = register_positions(security=self.security)
        for address, (balance, frozen) in self.model.items():
            assert positions.get(address, (0, 0)) == (balance, frozen)
        book = control_book_for(security=self.security)
        assert (int(book.issued), int(book.redeemed)) == (self.issued, self.redeemed)
        replayed = replay(security=self.security, as_of=business_today())  # what as-of snapshots are made of
        assert {w: (b, f) for w, (_i, b, f) in replayed.items()} == {w: v for w, v in positions.items() if v != (0, 0)}


@pytest.mark.django_db
def test_random_register_operations_keep_the_invariants(issuer_admin, issuer_org, compliance_officer, second_officer):
    from issuance.tests.factories import IssuerFactory

    Register.issuer = IssuerFactory(organization=issuer_org)
    Register.admin, Register.officer, Register.second = issuer_admin, compliance_officer, second_officer
    examples = int(os.environ.get("SOAK_EXAMPLES", "15"))
    machine = Register
    if os.environ.get("SOAK_SEED"):
        machine = seed(int(os.environ["SOAK_SEED"]))(type("SeededRegister", (Register,), {}))
        print(f"register stateful test: {examples} examples of 25 steps, SOAK_SEED={os.environ['SOAK_SEED']}")
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))

