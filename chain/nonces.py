"""The signer's nonces, allocated in PostgreSQL.

``nonce_allocate`` runs inside the relay's short prepare transaction and takes the
:class:`SignerNonce` row with SELECT ... FOR UPDATE, so concurrent relay workers queue on that
one row: each gets the next number, and the signed transaction is stored in the same
transaction, so a nonce is never handed out without a stored transaction (no gaps) and never
twice (no duplicates).

The node's pending count is read by the caller BEFORE the transaction (no network I/O while
holding the lock). The first time a signer is seen the counter starts there; later, when the
node is ahead (someone used the key outside the relay, e.g. ``chain_deploy``), the counter
jumps forward to it. It never moves back on its own: a lower node count means our signed
transactions have not reached the node yet (they are rebroadcast from their stored bytes).
"""

from __future__ import annotations

from django.db import connection

from core.audit import audit_record

from .models import SignerNonce


def nonce_allocate(*, signer: str, chain_id: int, node_pending: int, count: int = 1) -> int:
    """The first of ``count`` consecutive nonces (the relay prepares a whole sweep at once)."""
    if count < 1:
        raise ValueError("allocate at least one nonce")
    if not connection.in_atomic_block:
        raise RuntimeError("nonce_allocate must run inside the transaction that stores the signed tx")
    row, created = SignerNonce.objects.select_for_update().get_or_create(
        signer=signer, chain_id=chain_id, defaults={"next_nonce": node_pending})
    if created:
        audit_record(action="chain.nonce_initialised", obj=row, new={"signer": signer, "chain_id": chain_id,
                                                                      "next_nonce": node_pending})
    elif node_pending > row.next_nonce:
        audit_record(action="chain.nonce_resynced", obj=row, old={"next_nonce": row.next_nonce},
                     new={"next_nonce": node_pending})
        row.next_nonce = node_pending
    nonce = row.next_nonce
    row.next_nonce = nonce + count
    row.save(update_fields=["next_nonce", "updated_at"])
    return nonce
