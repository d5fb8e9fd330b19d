"""check_invariants reports what is wrong in human-readable lines."""

from __future__ import annotations

from ledger.invariants import check_invariants
from ledger.models import ControlBook, Position
from ledger.services import tokens_issue


def test_a_clean_register_has_no_problems(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=4, actor=issuer_admin, reason="")
    assert check_invariants(security=bond) == [] and check_invariants() == []


def test_a_position_changed_behind_the_services_back_is_reported(bond, issuer_admin, investor_wallet):
    tokens_issue(security=bond, wallet=investor_wallet, amount=4, actor=issuer_admin, reason="")
    Position.objects.filter(security=bond).update(balance=5)
    problems = check_invariants(security=bond)
    assert problems == [f"security {bond.pk}: positions sum to 5, control book outstanding is 4"]


def test_an_over_frozen_position_cannot_even_be_written(bond, issuer_admin, investor_wallet):
    import pytest
    from django.db import IntegrityError, transaction

    tokens_issue(security=bond, wallet=investor_wallet, amount=4, actor=issuer_admin, reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(security=bond).update(frozen=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlBook.objects.filter(security=bond).update(outstanding=3)
