"""Which database a query uses (settings.DATABASE_ROUTERS): the primary ("default") unless the
code asked for a read that may lag (core.db.replica_reads) and a streaming read replica is
configured (DATABASE_REPLICA_URL adds the "replica" alias).

Always the primary, even inside a replica block:
- every write (and so the register, the relay, the reconciler, the outbox);
- every read inside an application transaction (core.db.in_transaction): it must see the
  transaction's own rows and may lock (SELECT ... FOR UPDATE is refused by a standby);
- reads of the grounds of access (PRIMARY_ONLY_APPS: users, sessions, API tokens, memberships,
  2FA devices), so a revoked role or session is never honoured because the replica lags;
- reads of a person who sent a write request in the last DATABASE_REPLICA_STICKY_SECONDS (read
  your own writes: core.db.PrimaryAfterWriteMiddleware).
Migrations run on the primary only; the replica follows them through the WAL."""

from __future__ import annotations

from core.db import REPLICA, in_transaction, replica_configured, replica_reads_active

DEFAULT = "default"
#: Apps whose rows decide who may see what: read from the primary wherever the read happens.
PRIMARY_ONLY_APPS = frozenset({"accounts", "auth", "sessions", "contenttypes", "knox", "django_otp", "otp_totp",
                               "otp_static", "admin"})


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if (model._meta.app_label not in PRIMARY_ONLY_APPS and replica_configured() and replica_reads_active()
                and not in_transaction(DEFAULT)):
            return REPLICA
        return DEFAULT

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT   # an object read from the replica is saved to the primary

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True   # the same rows, one of them maybe a little older
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None
