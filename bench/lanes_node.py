"""The node of the signer-lanes bench (bench/lanes_run.py): an anvil that mines a block every
BLOCK_SECONDS, and a transaction that holds one lane's next nonce without ever mining (anvil
drops a merely underpriced one at the next block, so it is sent with the block's whole gas
limit, which is then lowered by one), until it is replaced."""

from __future__ import annotations

import subprocess
import time

BLOCK_SECONDS = 1
GWEI = 10**9


class BlockAnvil:
    """anvil with the ``test`` profile's accounts, mining a block every BLOCK_SECONDS."""

    def __init__(self) -> None:
        import requests

        from chain.node_config import anvil_command
        from chain.testing import DEV_KEYS

        argv, port = anvil_command("test", port=0)
        self.proc = subprocess.Popen([*argv, "--block-time", str(BLOCK_SECONDS)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.rpc_url = f"http://127.0.0.1:{port}"
        self.keys = DEV_KEYS
        self.signer_key = DEV_KEYS[0]
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"anvil exited: {self.proc.stderr.read().decode()}")
            try:
                self.rpc("eth_chainId")
                return
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError("anvil did not answer within 30 s") from None
                time.sleep(0.05)

    def rpc(self, method: str, params: list | None = None):
        import requests

        body = requests.post(self.rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                 "params": params or []}, timeout=10).json()
        if "error" in body:
            raise RuntimeError(f"{method}: {body['error']}")
        return body["result"]

    def close(self) -> None:
        from chain.testing import stop_anvil

        stop_anvil(self.proc)


class StuckTx:
    """One lane's next nonce held by a transaction the node keeps pending and never mines (see
    the module docstring), until :meth:`replace`."""

    def __init__(self, *, anvil: BlockAnvil, key: str) -> None:
        from web3 import Web3

        self.anvil = anvil
        self.w3 = Web3(Web3.HTTPProvider(anvil.rpc_url))
        self.account = self.w3.eth.account.from_key(key)
        self.nonce: int | None = None
        self.tx_hash = ""
        self.gas_limit = 0
        self.fees = (0, 0)

    def pending_count(self) -> int:
        return self.w3.eth.get_transaction_count(self.account.address, "pending")

    def mined_count(self) -> int:
        return self.w3.eth.get_transaction_count(self.account.address, "latest")

    def _send(self, **fields) -> str:
        tx = {"to": self.account.address, "value": 0, "nonce": self.nonce, "chainId": self.w3.eth.chain_id, **fields}
        return self.w3.eth.send_raw_transaction(self.account.sign_transaction(tx).raw_transaction).hex()

    def place(self) -> int:
        """Send it at the key's next nonce; returns the nonce."""
        self.anvil.rpc("anvil_setIntervalMining", [0])   # no block between the send and the limit
        try:
            latest = self.w3.eth.get_block("latest")
            self.gas_limit = latest["gasLimit"]
            self.nonce = self.pending_count()
            self.fees = (latest["baseFeePerGas"] + 1, 1)
            self.tx_hash = self._send(gas=self.gas_limit, maxFeePerGas=self.fees[0], maxPriorityFeePerGas=self.fees[1])
            self.anvil.rpc("evm_setBlockGasLimit", [hex(self.gas_limit - 1)])
        finally:
            self.anvil.rpc("anvil_setIntervalMining", [BLOCK_SECONDS])
        return self.nonce

    def held(self) -> bool:
        """Still pending: not mined, and the node still counts it."""
        receipt = self.anvil.rpc("eth_getTransactionReceipt", [self.tx_hash])
        return receipt is None and self.mined_count() <= self.nonce < self.pending_count()

    def replace(self) -> str:
        """The same nonce with fees doubled (a valid replacement), a plain 21,000 gas transfer;
        the block gas limit back to what it was."""
        base = self.w3.eth.get_block("latest")["baseFeePerGas"]
        tx_hash = self._send(gas=21_000, maxFeePerGas=max(2 * self.fees[0], 2 * base + 2 * GWEI),
                             maxPriorityFeePerGas=2 * GWEI)
        self.anvil.rpc("evm_setBlockGasLimit", [hex(self.gas_limit)])
        return tx_hash
