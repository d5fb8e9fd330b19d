"""The chain reads of the record close, as a port: servicing never imports chain.

chain/ implements `RecordReader` (chain/record_reader.py, ChainRecordReader) and settings name
it (SERVICING_RECORD_READER, loaded with import_string), like the custody signer. Tests name
a fake (servicing/tests/fakes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class RecordReader(Protocol):
    def record_block(self, *, security_id: int, until: datetime) -> int | None:
        """The record block of the token of `security_id`: the last block holding only actions
        recorded before `until` (the end of the record date). None: the mirror has not yet
        caught up with every action on the token recorded before `until` (try again later)."""

    def balances_at(self, *, security_id: int, wallets: list[str], block: int) -> dict[str, int]:
        """Each wallet's token balance (base units) at `block`."""

    def supply_at(self, *, security_id: int, block: int) -> int:
        """The token's totalSupply at `block`."""


def reader() -> RecordReader:
    """The configured RecordReader (settings.SERVICING_RECORD_READER), a new instance."""
    path = getattr(settings, "SERVICING_RECORD_READER", "chain.record_reader.ChainRecordReader")
    return import_string(path)()
