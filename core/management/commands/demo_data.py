from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import demo


class Command(BaseCommand):
    help = "Load the demo data of every app (idempotent) and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_data creates users with a published password; it refuses to run with DEBUG off "
                               "(use --force for a throwaway stack).")
        for name, loader in demo.loaders():
            for line in loader():
                self.stdout.write(line)
            self.stdout.write(self.style.SUCCESS(f"demo data: {name} loaded"))
