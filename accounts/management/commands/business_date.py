"""manage.py business_date show | set YYYY-MM-DD | shift N | reset [--actor EMAIL]

Show or move the business date (core.clock) that every process shares. Moving it is for
operators: --actor names an active operator account, and the change is audited under that
account. Running processes see a change within core.clock.CACHE_SECONDS."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Role, User
from core import clock
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Show or move the business date (set YYYY-MM-DD, shift N days, reset); moving it takes --actor EMAIL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["show", "set", "shift", "reset"])
        parser.add_argument("value", nargs="?", help="set: the day (YYYY-MM-DD); shift: days (may be negative)")
        parser.add_argument("--actor", help="e-mail of the operator who moves the clock (audited)")

    def handle(self, *args: object, verb: str, value: str | None, actor: str | None, **options: object) -> None:
        if verb != "show":
            operator = self._operator(actor)
            try:
                if verb == "set":
                    clock.business_date_set(day=self._day(value), actor=operator)
                elif verb == "shift":
                    clock.business_date_shift(days=self._days(value), actor=operator)
                else:
                    clock.business_date_reset(actor=operator)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
        clock.forget()
        today, offset = timezone.localdate(), clock.offset_days()
        self.stdout.write(f"business date {clock.business_today().isoformat()} (calendar {today.isoformat()},"
                          f" offset {offset:+d} days)")

    @staticmethod
    def _operator(email: str | None) -> User:
        if not email:
            raise CommandError("Moving the business date takes --actor EMAIL (an operator account).")
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None or user.role != Role.OPERATOR:
            raise CommandError(f"{email}: not an active operator account.")
        return user

    @staticmethod
    def _day(value: str | None) -> date:
        try:
            return date.fromisoformat(value or "")
        except ValueError:
            raise CommandError("set takes a day as YYYY-MM-DD.") from None

    @staticmethod
    def _days(value: str | None) -> int:
        try:
            return int(value or "")
        except ValueError:
            raise CommandError("shift takes a whole number of days, e.g. 30 or -7.") from None
