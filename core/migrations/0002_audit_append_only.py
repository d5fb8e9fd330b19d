"""PostgreSQL itself refuses UPDATE and DELETE on the audit trail (see core.db)."""

from django.db import migrations

from core.db import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunSQL(*append_only_sql("core_auditevent"))]
