"""The register's models: securities' positions and actions (register.py), cash held in
trust (cash.py), delivery-versus-payment settlements and the trading board (settlement.py)."""

from .captable import Holder, HolderCount, SnapshotHolder, SnapshotPosition
from .register import (
    TOKEN_AMOUNT,
    CapTableSnapshot,
    ComplianceRequest,
    ControlBook,
    Position,
    TokenAction,
    TransferRequest,
)
from .settlement import Settlement, TradeOffer

__all__ = [
    "TOKEN_AMOUNT",
    "CapTableSnapshot",
    "ComplianceRequest",
    "ControlBook",
    "Holder",
    "HolderCount",
    "Position",
    "Settlement",
    "SnapshotHolder",
    "SnapshotPosition",
    "TokenAction",
    "TradeOffer",
    "TransferRequest",
]
