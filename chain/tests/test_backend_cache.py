"""get_backend keeps one Web3Backend per process, thread and settings (building one costs
~2 ms of CPU, a new HTTP connection and an eth_chainId call, and workers ask on every sweep)."""

import threading

import pytest

from chain.backend import get_backend
from chain.port import ChainUnavailable
from chain.testing import DEV_KEYS


@pytest.fixture
def configured(settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:1"   # nothing is sent: building connects nowhere
    settings.CHAIN_SIGNER_KEY = DEV_KEYS[0]
    settings.CHAIN_TIMEOUT_SECONDS = 2
    return settings


def test_the_same_settings_give_the_same_backend(configured):
    assert get_backend() is get_backend()


@pytest.mark.parametrize(("name", "value"), [("CHAIN_RPC_URL", "http://127.0.0.1:2"),
                                             ("CHAIN_SIGNER_KEY", DEV_KEYS[1]),
                                             ("CHAIN_TIMEOUT_SECONDS", 3)])
def test_a_changed_setting_gives_a_new_backend(configured, name, value):
    before = get_backend()
    setattr(configured, name, value)

    after = get_backend()

    assert after is not before
    assert (after.rpc_url, after.address, after.timeout) != (before.rpc_url, before.address, before.timeout)


def test_each_thread_gets_its_own_backend(configured):
    mine = get_backend()
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(get_backend()))
    thread.start()
    thread.join()

    assert theirs[0] is not mine
    assert get_backend() is mine


def test_missing_settings_are_refused_not_cached(configured):
    get_backend()
    configured.CHAIN_RPC_URL = ""

    with pytest.raises(ChainUnavailable) as refused:
        get_backend()
    assert refused.value.code == "not_configured"
