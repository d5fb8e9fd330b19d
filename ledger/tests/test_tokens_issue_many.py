"""Issuing to several wallets at once (tokens_issue_many): one transaction, all or nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import ApplicationError
from core.models import AuditEvent, OutboxEntry
from ledger.invariants import check_invariants
from ledger.models import Position, TokenAction
from ledger.selectors import control_book_for, register_positions
from ledger.services import IssueItem, tokens_issue, tokens_issue_many

from .factories import approved_investor


@pytest.fixture
def wallets(investor_wallet):
    _user, (second,) = approved_investor(email="hanako@example.test")
    _user, (third,) = approved_investor(email="jiro@example.test")
    return [investor_wallet, second, third]


def test_each_item_gets_its_action_outbox_row_and_audit_event(bond, issuer_admin, wallets):
    items = [IssueItem(wallet=w, amount=10 * (i + 1), idempotency_key=f"batch:{i}") for i, w in enumerate(wallets)]
    items.append(IssueItem(wallet=wallets[0], amount=1, idempotency_key="batch:again", reason="top-up"))

    actions = tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")

    namespace = f"client:org:{bond.issuer.organization_id}:"   # the client's keys, in its organization's namespace
    assert [a.idempotency_key for a in actions] == [namespace + k
                                                    for k in ("batch:0", "batch:1", "batch:2", "batch:again")]
    assert [int(a.amount) for a in actions] == [10, 20, 30, 1]
    assert [a.reason for a in actions] == ["placement", "placement", "placement", "top-up"]
    assert all(a.kind == TokenAction.Kind.ISSUE and a.origin == TokenAction.Origin.PLATFORM for a in actions)
    assert register_positions(security=bond) == {
        wallets[0].address: (11, 0), wallets[1].address: (20, 0), wallets[2].address: (30, 0)}
    book = control_book_for(security=bond)
    assert (book.issued, book.outstanding) == (61, 61)
    for action in TokenAction.objects.filter(pk__in=[a.pk for a in actions]):
        assert action.outbox.kind == "token.mint" and action.outbox.idempotency_key == f"action:{action.pk}"
        assert action.outbox.payload == {"security_id": bond.pk, "wallet": action.to_wallet,
                                         "amount": str(int(action.amount))}
        assert AuditEvent.objects.filter(action="ledger.issue", object_id=str(action.pk)).count() == 1
    assert check_invariants() == []


def test_one_ineligible_item_refuses_the_whole_batch_and_writes_nothing(bond, issuer_admin, wallets):
    bond.allowed_countries = ["JP"]
    bond.save()
    _user, (american,) = approved_investor(email="us@example.test", country="US")
    items = [IssueItem(wallet=wallets[0], amount=5), IssueItem(wallet=american, amount=5),
             IssueItem(wallet=wallets[1], amount=5)]
    audit, outbox = AuditEvent.objects.count(), OutboxEntry.objects.count()

    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")

    assert refused.value.code == "country_not_allowed" and refused.value.fields["item"] == 1
    assert not TokenAction.objects.exists() and not Position.objects.filter(balance__gt=0).exists()
    assert OutboxEntry.objects.count() == outbox and AuditEvent.objects.count() == audit
    assert control_book_for(security=bond).outstanding == 0


def test_a_bad_amount_or_the_authorized_cap_refuses_the_batch(bond, issuer_admin, wallets):
    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=[IssueItem(wallet=wallets[0], amount=1),
                                                IssueItem(wallet=wallets[1], amount=0)], actor=issuer_admin)
    assert refused.value.code == "invalid_amount"
    bond.authorized_shares = 100
    bond.save()
    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=[IssueItem(wallet=wallets[0], amount=60),
                                                IssueItem(wallet=wallets[1], amount=60)], actor=issuer_admin)
    assert refused.value.code == "authorized_exceeded"
    assert not TokenAction.objects.exists()


def test_the_same_key_twice_in_one_batch_is_refused(bond, issuer_admin, wallets):
    items = [IssueItem(wallet=wallets[0], amount=5, idempotency_key="dup"),
             IssueItem(wallet=wallets[1], amount=5, idempotency_key="dup")]
    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")
    assert refused.value.code == "duplicate_idempotency_key"
    assert not TokenAction.objects.exists()


def test_a_retried_batch_returns_the_first_actions_and_writes_nothing(bond, issuer_admin, wallets):
    items = [IssueItem(wallet=w, amount=3, idempotency_key=f"retry:{i}") for i, w in enumerate(wallets)]
    first = tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")
    outbox, audit = OutboxEntry.objects.count(), AuditEvent.objects.count()

    again = tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")

    assert [a.pk for a in again] == [a.pk for a in first]
    assert OutboxEntry.objects.count() == outbox and AuditEvent.objects.count() == audit
    assert control_book_for(security=bond).outstanding == 9


def test_a_key_already_used_for_another_issuance_refuses_the_batch(bond, issuer_admin, wallets):
    tokens_issue(security=bond, wallet=wallets[0], amount=3, actor=issuer_admin, reason="", idempotency_key="used")
    items = [IssueItem(wallet=wallets[1], amount=5, idempotency_key="fresh"),
             IssueItem(wallet=wallets[0], amount=4, idempotency_key="used")]
    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="")
    assert refused.value.code == "idempotency_conflict"
    assert TokenAction.objects.count() == 1 and control_book_for(security=bond).outstanding == 3


def test_max_holders_counts_the_holders_the_batch_adds(bond, issuer_admin, wallets):
    bond.max_holders = 2
    bond.save()
    with pytest.raises(ApplicationError) as refused:
        tokens_issue_many(security=bond, items=[IssueItem(wallet=w, amount=1) for w in wallets], actor=issuer_admin)
    assert refused.value.code == "max_holders_reached" and refused.value.fields["item"] == 2
    assert not TokenAction.objects.exists()


def test_the_single_issue_path_stays_lean(bond, issuer_admin, investor_wallet, django_assert_max_num_queries):
    tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="first")
    with django_assert_max_num_queries(13):
        tokens_issue(security=bond, wallet=investor_wallet, amount=1, actor=issuer_admin, reason="again",
                     idempotency_key="lean")


def _queries_for_a_batch(bond, issuer_admin, wallets, size: int, tag: str) -> int:
    items = [IssueItem(wallet=wallets[i % len(wallets)], amount=1, idempotency_key=f"{tag}:{i}") for i in range(size)]
    with CaptureQueriesContext(connection) as queries:
        tokens_issue_many(security=bond, items=items, actor=issuer_admin, reason="placement")
    return len(queries)


def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(bond, issuer_admin, wallets):
    _queries_for_a_batch(bond, issuer_admin, wallets, 3, "warm")   # the positions exist from here on

    small = _queries_for_a_batch(bond, issuer_admin, wallets, 3, "small")
    large = _queries_for_a_batch(bond, issuer_admin, wallets, 60, "large")

    assert small == large <= 14
    assert control_book_for(security=bond).outstanding == 66
    assert AuditEvent.objects.filter(action="ledger.issue").count() == 66
    assert check_invariants() == []
