"""PostgreSQL itself keeps an entitlement line as it was written: what it entitles (holder,
wallet, units, amounts, tax) cannot change and no line can be deleted; only its payment
progress (status, batches, burned, reference, paid time) moves."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION servicing_entitlementline_written_once() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'servicing_entitlementline lines are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.action_id, NEW.investor_id, NEW.wallet, NEW.units, NEW.redeem_units, NEW.gross, NEW.withheld,
        NEW.net, NEW.principal, NEW.tax_rate, NEW.tax_category, NEW.residence)
       IS DISTINCT FROM
       (OLD.action_id, OLD.investor_id, OLD.wallet, OLD.units, OLD.redeem_units, OLD.gross, OLD.withheld,
        OLD.net, OLD.principal, OLD.tax_rate, OLD.tax_category, OLD.residence) THEN
        RAISE EXCEPTION 'servicing_entitlementline entitlements are written once' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER servicing_entitlementline_written_once
    BEFORE UPDATE OR DELETE ON servicing_entitlementline
    FOR EACH ROW EXECUTE FUNCTION servicing_entitlementline_written_once();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS servicing_entitlementline_written_once ON servicing_entitlementline;
DROP FUNCTION IF EXISTS servicing_entitlementline_written_once();
"""


class Migration(migrations.Migration):
    dependencies = [("servicing", "0001_corporate_actions")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
