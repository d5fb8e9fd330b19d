import pytest


@pytest.fixture
def chain_settings(settings, chain_snapshot):
    """Point the Django side at the session's anvil, signing with its first dev key."""
    settings.CHAIN_RPC_URL = chain_snapshot.rpc_url
    settings.CHAIN_SIGNER_KEY = chain_snapshot.keys[0]
    return settings
