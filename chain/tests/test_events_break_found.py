"""`break.found` (core.events): a break the reconciler opens writes one event (break id, kind,
security id) for the security's issuer's organization (null for a registry break), in the
transaction that records it; a difference seen again, or a recording rolled back, writes none."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chain import events
from chain.models import Break
from chain.reconciler import Difference, record_differences
from core.models import Event
from issuance.tests.factories import IssuerFactory, SecurityFactory

pytestmark = pytest.mark.django_db
WALLET = "0x" + "ab" * 20


def test_a_new_balance_break_emits_one_event_for_the_issuer(issuer_org):
    bond = SecurityFactory(issuer=IssuerFactory(organization=issuer_org))
    diff = Difference(Break.Kind.BALANCE, WALLET, "100", "150")
    assert record_differences(security=bond, differences=[diff], now=timezone.now()) == (1, 1)
    assert record_differences(security=bond, differences=[diff], now=timezone.now()) == (1, 0)   # seen again
    brk = Break.objects.get()
    event = Event.objects.get()
    assert (event.type, event.key, event.organization_id) == ("break.found", f"break.found:{brk.pk}", issuer_org.pk)
    assert event.data == {"break": brk.pk, "kind": "balance", "security": bond.pk}


def test_a_registry_break_is_platform_wide():
    diff = Difference(Break.Kind.REGISTRY, WALLET, "registered", "missing")
    record_differences(security=None, differences=[diff], now=timezone.now())
    event = Event.objects.get()
    assert event.organization_id is None and event.data == {"break": Break.objects.get().pk, "kind": "registry",
                                                             "security": None}
    assert WALLET not in str(event.data)


def test_a_rolled_back_recording_emits_nothing(monkeypatch):
    emit = events.break_found

    def emit_then_fail(brk):
        emit(brk)
        raise RuntimeError("the recording's transaction fails after the event")

    monkeypatch.setattr(events, "break_found", emit_then_fail)
    with pytest.raises(RuntimeError):
        record_differences(security=None, differences=[Difference(Break.Kind.REGISTRY, WALLET, "a", "b")],
                           now=timezone.now())
    assert not Event.objects.exists() and not Break.objects.exists()
