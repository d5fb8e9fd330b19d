"""The development node's configuration (platform/node/anvil.json) is what the tests' anvil runs:
its accounts are the keys the tests sign with, its chain id the configured one."""

from __future__ import annotations

from eth_account import Account

from chain.node_config import anvil_command, anvil_options
from chain.testing import DEV_KEYS


def test_the_test_anvil_runs_the_configured_chain_with_the_dev_keys(anvil):
    options = anvil_options("test")
    assert int(anvil.rpc("eth_chainId"), 16) == options["chain-id"]
    assert [a.lower() for a in anvil.rpc("eth_accounts")] == [Account.from_key(k).address.lower() for k in DEV_KEYS]
    assert options["accounts"] == len(DEV_KEYS)


def test_a_profile_becomes_anvil_options_with_paths_from_the_repository_root():
    argv, port = anvil_command("dev", port=18545)
    assert argv[argv.index("--port") + 1] == "18545" and port == 18545
    assert argv[argv.index("--state") + 1].endswith("/.var/anvil/state.json")
    assert "--silent" in argv and "--block-time" not in argv   # automine
    argv, port = anvil_command("test")
    assert port > 0 and argv[argv.index("--port") + 1] == str(port)
