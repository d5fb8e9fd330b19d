"""register_save: the issuance paths write the positions and the control book in one
statement; the CHECK constraints still guard what it writes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ledger.models import ControlBook, Position
from ledger.services.locks import book_lock, positions_lock, register_save

from .conftest import wallet_of


@pytest.fixture
def locked(bond, verified_investor, second_investor):
    holders = [(wallet_of(verified_investor).address, verified_investor),
               (wallet_of(second_investor).address, second_investor)]
    with transaction.atomic():
        book = book_lock(bond)
        positions = positions_lock(bond, holders, book_exclusive=True)
    return book, list(positions.values())


def test_the_positions_and_the_book_are_written_in_one_statement(locked, django_assert_num_queries):
    book, (first, second) = locked
    first.balance, second.balance, second.frozen, second.wallet_frozen = 7, 5, 2, True
    book.issued = book.outstanding = 12

    with transaction.atomic(), django_assert_num_queries(1):
        register_save(book, [first, second, first])

    assert list(Position.objects.order_by("wallet").values_list("wallet", "balance", "frozen", "wallet_frozen")) == [
        (p.wallet, p.balance, p.frozen, p.wallet_frozen) for p in sorted([first, second], key=lambda p: p.wallet)]
    stored = ControlBook.objects.get(pk=book.pk)
    assert (stored.issued, stored.redeemed, stored.outstanding) == (12, 0, 12)
    assert stored.updated_at == book.updated_at == first.updated_at


@pytest.mark.parametrize("break_it", ["negative balance", "frozen above balance", "book off balance"])
def test_the_check_constraints_refuse_a_bad_write(locked, break_it):
    book, (first, _second) = locked
    first.balance, book.issued, book.outstanding = 3, 3, 3
    if break_it == "negative balance":
        first.balance = -1
    elif break_it == "frozen above balance":
        first.frozen = 4
    else:
        book.outstanding = 2

    with pytest.raises(IntegrityError), transaction.atomic():
        register_save(book, [first])

    assert Position.objects.get(pk=first.pk).balance == 0
    assert ControlBook.objects.get(pk=book.pk).issued == 0
