"""Load the small fictional sanctions list shipped in compliance/data/sanctions.csv, so a
fresh database screens from the start. `manage.py sanctions_load <csv>` replaces it."""

from pathlib import Path

from django.db import migrations

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "sanctions.csv"


def load(apps, schema_editor):
    from compliance.sanctions import parse_csv

    Entry = apps.get_model("compliance", "SanctionsEntry")
    if Entry.objects.exists():
        return
    rows = parse_csv(SHIPPED.read_text(encoding="utf-8"))
    Entry.objects.bulk_create(Entry(source="compliance/data/sanctions.csv", **row) for row in rows)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
