"""SQL helpers for migrations."""

from __future__ import annotations


def append_only_sql(table: str) -> tuple[str, str]:
    """(forward, backward) SQL for a trigger that makes PostgreSQL refuse UPDATE and DELETE
    on `table`. TRUNCATE is not trapped because the test runner's flush uses it; in
    production the application's database role must not hold TRUNCATE (or ownership)."""
    forward = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    backward = f"""
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    return forward, backward
