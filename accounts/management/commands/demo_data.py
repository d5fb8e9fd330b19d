from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, load_demo_users


class Command(BaseCommand):
    help = "Create the demo users (idempotent) and print how to sign in as each."

    def add_arguments(self, parser):  # noqa: ANN001
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force: bool = False, **options):  # noqa: ANN002, ANN003
        if not settings.DEBUG and not force:
            raise CommandError("demo_data creates users with a published password; it refuses to run with DEBUG off (use --force for a throwaway stack).")
        users = load_demo_users()
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for user, secret in users:
            line = f"  {user.role:<11} {user.email}"
            if secret:
                line += f"   TOTP secret {secret}  (or: python manage.py totp_code {user.email})"
            self.stdout.write(line)
