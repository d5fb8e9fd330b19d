"""A RecordReader for tests (servicing.record's port without a chain): by default the chain
agrees with the register (each wallet's balance is its Position's, the supply the control
book's outstanding); a test sets `chain_balances`, `supply`, `block` or `behind` to make it
disagree or lag. Installed with the `fake_reader` fixture (settings.SERVICING_RECORD_READER)."""

from __future__ import annotations

from datetime import datetime


class FakeRecordReader:
    block: int | None = 100
    behind: bool = False
    chain_balances: dict[str, int] = {}
    supply: int | None = None
    calls: list[tuple] = []

    @classmethod
    def reset(cls) -> None:
        cls.block, cls.behind, cls.chain_balances, cls.supply, cls.calls = 100, False, {}, None, []

    def record_block(self, *, security_id: int, until: datetime) -> int | None:
        type(self).calls.append(("record_block", security_id, until))
        return None if self.behind else self.block

    def balances_at(self, *, security_id: int, wallets: list[str], block: int) -> dict[str, int]:
        from ledger.models import Position

        type(self).calls.append(("balances_at", security_id, tuple(wallets), block))
        register = dict(Position.objects.filter(security_id=security_id, wallet__in=wallets)
                        .values_list("wallet", "balance"))
        return {w: int(self.chain_balances.get(w, register.get(w, 0))) for w in wallets}

    def supply_at(self, *, security_id: int, block: int) -> int:
        from ledger.models import ControlBook

        type(self).calls.append(("supply_at", security_id, block))
        if self.supply is not None:
            return self.supply
        return int(ControlBook.objects.filter(security_id=security_id).values_list("outstanding", flat=True).first()
                   or 0)
