"""MULTI_STEP_KINDS names every kind that can take more than one step (the relay asks the
database for an action's next step only for those)."""

from chain.calls import _PLANS, MULTI_STEP_KINDS, parse, plan
from core.tests.test_outbox_contract import STORED


def test_every_other_kind_is_exactly_one_call():
    for kind, payload in STORED.items():
        if kind not in MULTI_STEP_KINDS:
            assert len(plan(parse(kind, payload))) == 1, kind


def test_the_multi_step_kinds_are_outbox_kinds():
    assert set(MULTI_STEP_KINDS) <= set(_PLANS)
