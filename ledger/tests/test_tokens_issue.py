"""Issuing tokens directly to an investor's wallet."""

from __future__ import annotations

import pytest

from core.errors import ApplicationError, NotFoundError
from core.models import AuditEvent, OutboxEntry
from ledger.invariants import check_invariants
from ledger.models import Position, TokenAction
from ledger.selectors import control_book_for, register_positions
from ledger.services import tokens_issue

from .factories import approved_investor


def test_issue_credits_the_position_books_it_and_queues_a_mint(bond, issuer_admin, investor_wallet):
    action = tokens_issue(security=bond, wallet=investor_wallet, amount=7, actor=issuer_admin, reason="placement")

    assert action.kind == TokenAction.Kind.ISSUE and action.origin == TokenAction.Origin.PLATFORM
    assert register_positions(security=bond) == {investor_wallet.address: (7, 0)}
    book = control_book_for(security=bond)
    assert (book.issued, book.redeemed, book.outstanding) == (7, 0, 7)
    assert action.outbox.kind == "token.mint" and action.outbox.idempotency_key == f"action:{action.pk}"
    assert action.outbox.payload == {"security_id": bond.pk, "wallet": investor_wallet.address, "amount": "7"}
    assert AuditEvent.objects.filter(action="ledger.issue", object_id=str(action.pk)).exists()
    assert check_invariants() == []


def test_a_repeated_idempotency_key_returns_the_first_action_and_writes_nothing(bond, issuer_admin, investor_wallet):
    first = tokens_issue(security=bond, wallet=investor_wallet, amount=3, actor=issuer_admin, reason="",
                         idempotency_key="k-1")
    outbox = OutboxEntry.objects.count()
    again = tokens_issue(security=bond, wallet=investor_wallet, amount=3, actor=issuer_admin, reason="",
                         idempotency_key="k-1")
    assert again.pk == first.pk
    assert OutboxEntry.objects.count() == outbox and TokenAction.objects.count() == 1
    assert register_positions(security=bond)[investor_wallet.address] == (3, 0)


def test_the_same_key_for_another_amount_is_refused(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=3, actor=issuer_admin, reason="", idempotency_key="k-2")
    with pytest.raises(ApplicationError) as refused:
        tokens_issue(security=bond, wallet=investor_wallet, amount=4, actor=issuer_admin, reason="",
                     idempotency_key="k-2")
    assert refused.value.code == "idempotency_conflict"
    assert TokenAction.objects.count() == 1


def test_an_ineligible_investor_is_refused_with_the_rule_code(bond, issuer_admin):
    bond.allowed_countries = ["US"]
    bond.save()
    _user, (wallet,) = approved_investor(country="JP")
    with pytest.raises(ApplicationError) as refused:
        tokens_issue(security=bond, wallet=wallet, amount=1, actor=issuer_admin, reason="")
    assert refused.value.code == "country_not_allowed"
    assert not TokenAction.objects.exists() and not Position.objects.exists()
    assert not OutboxEntry.objects.filter(kind="token.mint").exists()


@pytest.mark.parametrize("amount", [0, -1, "5", 2.5, True])
def test_a_bad_amount_is_refused(bond, issuer_admin, investor_wallet, amount):
    with pytest.raises(ApplicationError) as refused:
        tokens_issue(security=bond, wallet=investor_wallet, amount=amount, actor=issuer_admin, reason="")
    assert refused.value.code == "invalid_amount"
    assert not TokenAction.objects.exists()


def test_an_outsider_cannot_issue(bond, outsider, investor_wallet):
    with pytest.raises(NotFoundError):
        tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=outsider, reason="")
    assert not TokenAction.objects.exists()


def test_the_append_only_trigger_refuses_updates(bond, issuer_admin, investor_wallet):
    from django.db import DatabaseError, transaction

    action = tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TokenAction.objects.filter(pk=action.pk).update(amount=2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TokenAction.objects.filter(pk=action.pk).delete()
