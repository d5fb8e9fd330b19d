"""The system check on CHAIN_SIGNER_KEYS: lane 0 must be CHAIN_SIGNER_KEY, no key twice."""

from __future__ import annotations

from chain.checks import signer_lanes_check
from chain.testing import DEV_KEYS


def ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_one_lane_and_well_formed_lanes_pass(settings):
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = []
    assert signer_lanes_check() == []
    settings.CHAIN_SIGNER_KEYS = [DEV_KEYS[0].upper().replace("0X", "0x"), DEV_KEYS[1]]
    assert signer_lanes_check() == []


def test_lanes_that_do_not_start_with_the_signer_key_are_refused(settings):
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = [DEV_KEYS[1], DEV_KEYS[0]]
    assert ids(signer_lanes_check()) == ["chain.E001"]


def test_a_key_twice_is_refused(settings):
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_SIGNER_KEYS = [DEV_KEYS[0], DEV_KEYS[1], DEV_KEYS[1][2:]]
    assert ids(signer_lanes_check()) == ["chain.E002"]
