"""manage.py kyc_reencrypt: rewrite every encrypted personal-data value, and every KYC
document file, under the first key of FIELD_ENCRYPTION_KEYS (run after putting a new key
first; then the old key can go). Files stored in plaintext by earlier versions are encrypted.
Safe to run again: files already under the first key are left alone. Exits with an error,
after doing all it can, if some file could not be opened with any key (see the log)."""

from django.core.management.base import BaseCommand, CommandError

from investors.services import document_files_reencrypt, personal_data_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt investors' personal data and KYC document files with the first key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        count = personal_data_reencrypt()
        self.stdout.write(f"Re-encrypted the personal data of {count} investor profiles")
        files = document_files_reencrypt()
        self.stdout.write(
            f"KYC document files: {len(files['encrypted'])} legacy plaintext encrypted, "
            f"{len(files['rotated'])} rotated to the first key, {len(files['current'])} already current"
        )
        if files["failed"]:
            raise CommandError(
                f"{len(files['failed'])} KYC document file(s) could not be re-encrypted (documents "
                f"{', '.join(map(str, files['failed']))}): no configured key opens them or they are missing"
            )
