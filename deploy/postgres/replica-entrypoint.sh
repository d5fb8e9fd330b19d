#!/bin/sh
# The streaming read replica. First start: copy the primary with pg_basebackup (--write-recovery-conf
# writes standby.signal and primary_conninfo; the slot "replica1" is primary-init.sh's), retrying
# until the primary accepts. Every start: run PostgreSQL as a hot standby (read-only queries) that
# replays the primary's WAL as it streams in.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
  until gosu postgres pg_basebackup --host=postgres --username=replicator --pgdata="$PGDATA" \
      --wal-method=stream --slot=replica1 --write-recovery-conf --checkpoint=fast; do
    echo "postgres-replica: the primary is not ready; retrying"
    find "$PGDATA" -mindepth 1 -delete
    sleep 2
  done
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
