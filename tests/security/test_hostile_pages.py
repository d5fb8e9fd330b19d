"""Every HTML page gets the hostile inputs of the outside review (issue 11, "Inputs that crash
or slip through") and answers with a 4xx or the page again with an error, never a 500, and
writes nothing.

The tests are split by app (test_hostile_pages_accounts.py, _issuance.py, _ledger.py, _webhooks.py; the
machinery is in hostile.py); each module keeps the list of its app's pages (FORMS, NO_INPUT,
READ_ONLY, STR_SEGMENTS). Here the lists together are checked against the URL conf: a new page
without an entry fails test_every_page_is_listed.
"""

from __future__ import annotations

from . import (
    test_hostile_pages_accounts,
    test_hostile_pages_issuance,
    test_hostile_pages_ledger,
    test_hostile_pages_webhooks,
)
from .hostile import page_names, str_segment_names

MODULES = (test_hostile_pages_accounts, test_hostile_pages_issuance, test_hostile_pages_ledger,
           test_hostile_pages_webhooks)


def test_every_page_is_listed():
    listed: set[str] = set()
    for module in MODULES:
        mine = {name for name, _ in module.FORMS} | module.NO_INPUT | set(module.READ_ONLY)
        assert listed & mine == set(), f"a page listed in two modules: {listed & mine}"
        listed |= mine
    assert page_names() - listed == set(), (
        "a page without an entry in the hostile-input tests: add it to FORMS, NO_INPUT or READ_ONLY of its app's "
        "test_hostile_pages_<app>.py")
    assert listed - page_names() == set(), "an entry for a page that no longer exists"


def test_every_str_segment_is_listed():
    listed = [name for module in MODULES for name in module.STR_SEGMENTS]
    assert len(listed) == len(set(listed))
    assert str_segment_names() == set(listed)
