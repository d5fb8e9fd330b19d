"""The chain mirror: ChainBackend port + web3 adapter, relay, confirmer, indexer, breaks.
Nothing outside chain/ imports web3 or this package (only Celery task names and settings)."""
