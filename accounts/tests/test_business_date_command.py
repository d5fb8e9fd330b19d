"""manage.py business_date: anyone with the shell may look; only an operator account moves it,
and the move is audited under that account."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core import clock
from core.models import AuditEvent


def _run(*args: str) -> str:
    out = StringIO()
    call_command("business_date", *args, stdout=out)
    return out.getvalue()


def test_show_prints_the_business_date_and_the_offset(db, business_date_offset):
    assert _run("show").startswith(f"business date {clock.business_today().isoformat()} (calendar ")
    assert f"offset {business_date_offset:+d} days" in _run("show")


def test_an_operator_sets_shifts_and_resets_it(operator):
    assert "business date 2030-04-01 " in _run("set", "2030-04-01", "--actor", operator.email)
    assert clock.business_today() == dt.date(2030, 4, 1)
    assert "business date 2030-03-25 " in _run("shift", "-7", "--actor", operator.email.upper())
    assert clock.business_today() == dt.date(2030, 3, 25)
    _run("reset", "--actor", operator.email)
    assert clock.offset_days() == 0
    assert list(AuditEvent.objects.filter(actor=operator).values_list("action", flat=True).order_by("id")) == [
        "business_date.set", "business_date.shift", "business_date.reset"]


@pytest.mark.parametrize("persona", ["compliance_officer", "verified_investor"])
def test_only_an_operator_moves_it(persona, request):
    user = request.getfixturevalue(persona)
    before = clock.business_today()
    with pytest.raises(CommandError, match="not an active operator"):
        _run("shift", "10", "--actor", user.email)
    with pytest.raises(CommandError, match="--actor"):
        _run("shift", "10")
    assert clock.business_today() == before
    assert not AuditEvent.objects.filter(action__startswith="business_date.").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("set", "2030-02-30"), "YYYY-MM-DD"), (("set",), "YYYY-MM-DD"), (("shift", "ten"), "whole number"),
    (("shift", "1.5"), "whole number"), (("shift", str(clock.MAX_OFFSET_DAYS * 2)), "at most"),
])
def test_bad_input_is_refused_and_moves_nothing(operator, args, message):
    before = clock.business_today()
    with pytest.raises(CommandError, match=message):
        _run(*args, "--actor", operator.email)
    assert clock.business_today() == before
