"""The paying agent's demo loader (after the others, as `manage.py demo_data` runs them): the
demo bond's coupons and redemption from its schedule; running it twice changes nothing."""

from __future__ import annotations

from core import demo
from servicing.demo import demo_lines
from servicing.models import CorporateAction


def test_demo_bond_gets_its_schedule_once(db):
    for name, loader in demo.loaders():
        if name != "servicing":
            loader()
    lines = demo_lines()
    actions = list(CorporateAction.objects.values_list("kind", flat=True))
    assert lines and "coupon" in actions and actions.count("redemption") == 1
    demo_lines()
    assert CorporateAction.objects.count() == len(actions)
