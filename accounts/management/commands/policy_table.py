from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.policy import POLICY_DOC, policy_markdown, readme_with_table


class Command(BaseCommand):
    help = ("Print the role x action policy (accounts/policy.py) as Markdown; with --write, put it "
            f"into {POLICY_DOC} between the policy markers.")

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"update {POLICY_DOC} in place")

    def handle(self, *args, write: bool = False, **options):
        if not write:
            self.stdout.write(policy_markdown(), ending="")
            return
        readme = Path(settings.BASE_DIR) / POLICY_DOC
        try:
            text = readme_with_table(readme.read_text(encoding="utf-8"))
        except ValueError as error:
            raise CommandError(str(error)) from error
        readme.write_text(text, encoding="utf-8")
        self.stdout.write(f"Updated {readme}")
