"""The private stack of a chaos run: its own Redis, anvil and Celery worker processes, on the
pytest test database (transactional: the workers must see committed rows)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection

from .harness import Driver, PrivateAnvil, PrivateRedis, Workers, worker_env


@dataclass
class Stack:
    redis: PrivateRedis
    anvil: PrivateAnvil
    workers: Workers
    driver: Driver
    queue: str

    def backend(self):
        from chain.web3_backend import Web3Backend

        return Web3Backend(self.anvil.rpc_url, self.anvil.signer_key, timeout=10)


@pytest.fixture
def chaos_stack(transactional_db, settings) -> Iterator[Stack]:
    redis = PrivateRedis()
    redis.start()
    anvil = PrivateAnvil()
    settings.CHAIN_RPC_URL = anvil.rpc_url
    settings.CHAIN_SIGNER_KEY = anvil.signer_key
    # Signer lanes (chain/lanes.py): the tokens spread over CHAOS_LANES agent keys, so kills and
    # restarts also hit one lane's sender while another's runs, and DvP trades and payments
    # wait for related actions on other lanes.
    lanes = ",".join(anvil.node.keys[:int(os.environ.get("CHAOS_LANES", "2"))])
    settings.CHAIN_SIGNER_KEYS = lanes.split(",")
    settings.CHAIN_CONFIRMATIONS = 0
    queue = f"chaos-{os.environ.get('TEST_DB_NAME', 'test')}-{os.getpid()}"
    env = worker_env(database=connection.settings_dict, redis=redis, anvil=anvil, CHAIN_SIGNER_KEYS=lanes)
    workers = Workers(queue=queue, env=env, count=int(os.environ.get("CHAOS_WORKERS", "3")))
    driver = Driver(redis=redis, queue=queue)
    try:
        workers.start_all()
        workers.wait_ready(timeout=90)
        driver.start()
        yield Stack(redis=redis, anvil=anvil, workers=workers, driver=driver, queue=queue)
    finally:
        driver.stop()
        anvil.resume()
        workers.close()
        anvil.close()
        redis.close()
        connection.close()  # the workers' sessions are gone; pytest-django flushes next
