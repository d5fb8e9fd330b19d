"""PostgreSQL itself refuses UPDATE and DELETE on token actions (as on core's audit trail).

TRUNCATE is not trapped because the test runner's flush uses it; in production the
application's database role must not hold TRUNCATE (or ownership) on ledger_tokenaction.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION ledger_tokenaction_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger_tokenaction is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_tokenaction_no_update_delete
    BEFORE UPDATE OR DELETE ON ledger_tokenaction
    FOR EACH ROW EXECUTE FUNCTION ledger_tokenaction_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_tokenaction_no_update_delete ON ledger_tokenaction;
DROP FUNCTION IF EXISTS ledger_tokenaction_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
