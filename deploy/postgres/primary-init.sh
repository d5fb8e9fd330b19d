#!/bin/sh
# The primary's one-time setup (docker-entrypoint-initdb.d, run when its data directory is created):
# a role that may stream the WAL, the physical replication slot the read replica follows (the
# primary keeps the WAL the replica has not received yet, up to max_slot_wal_keep_size), and the
# pg_hba.conf line that lets that role connect for replication.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     --set password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('replica1');
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
