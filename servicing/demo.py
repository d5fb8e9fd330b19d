"""Demo data for the paying agent (`make run`): the corporate actions of every issued or
deployed demo bond, from its schedule (the sweep would create them within a minute anyway;
doing it here lets the first page view show them). Idempotent."""

from __future__ import annotations

from django.urls import reverse

from issuance.models import Security
from issuance.schedule import ScheduleError

from .services.actions import actions_from_schedule


def demo_lines() -> list[str]:
    lines = []
    for bond in Security.objects.filter(kind=Security.Kind.BOND, matured_on__isnull=True).order_by("id"):
        try:
            actions_from_schedule(security=bond)
        except ScheduleError:
            continue
        count = bond.corporate_actions.count()
        if count:
            lines.append(f"Paying agent: {bond.symbol} has {count} corporate actions from its schedule "
                         f"({reverse('servicing:security', args=[bond.pk])}; approvals at /servicing/desk/)")
    return lines
