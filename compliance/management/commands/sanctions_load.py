"""manage.py sanctions_load <csv>: replace the sanctions list (columns list_id, name,
birth_year, country, program). A malformed file changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.services import sanctions_list_load
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Replace the sanctions list with the entries of a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("csv_path")

    def handle(self, *args, csv_path: str, **options):
        path = Path(csv_path)
        if not path.is_file():
            raise CommandError(f"{csv_path}: no such file")
        try:
            count = sanctions_list_load(text=path.read_text(encoding="utf-8-sig"), source=str(path.name))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Loaded {count} sanctions entries from {path}")
