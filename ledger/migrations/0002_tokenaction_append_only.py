"""PostgreSQL itself refuses UPDATE and DELETE on token actions, as on core's audit trail."""

from django.db import migrations

from core.db import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(*append_only_sql("ledger_tokenaction"))]
