"""manage.py kyc_reencrypt: rewrite every encrypted personal-data value under the first key
of FIELD_ENCRYPTION_KEYS (run after putting a new key first; then the old key can go)."""

from django.core.management.base import BaseCommand

from investors.services import personal_data_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt investors' personal data with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003
        count = personal_data_reencrypt()
        self.stdout.write(f"Re-encrypted the personal data of {count} investor profiles")
