"""PostgreSQL itself refuses UPDATE and DELETE on trust entries, as on token actions."""

from django.db import migrations

from core.db import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("cash", "0001_trust_accounts_deposits_withdrawals")]
    operations = [migrations.RunSQL(*append_only_sql("cash_trustentry"))]
