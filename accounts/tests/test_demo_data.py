"""`manage.py demo_data` creates one demo user per role, idempotently, and prints how to
sign in; with DEBUG off it refuses unless forced."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_USERS
from accounts.models import Membership, Organization, Role, User

DEMO_EMAILS = sorted(spec.email for spec in DEMO_USERS)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def test_demo_data_is_idempotent_and_prints_every_user(db):
    first = _run("--force")
    second = _run("--force")

    # (and the demo issuer's treasury, a holder that cannot sign in: cash/demo.py)
    assert sorted(User.objects.exclude(role=Role.TREASURY).values_list("email", flat=True)) == DEMO_EMAILS
    assert len(DEMO_EMAILS) == 8
    assert [s.email for s in DEMO_USERS if s.role == Role.COMPLIANCE] == [
        "compliance@demo.shoken.test", "compliance2@demo.shoken.test"]   # four eyes can be completed
    assert Organization.objects.filter(name=DEMO_ORGANIZATION).count() == 1
    assert Membership.objects.count() == 4   # issuer admin and member; the cash agents in the trust bank
    assert TOTPDevice.objects.filter(confirmed=True).count() == 6  # issuer admin, 2 officers, operator, cash agents
    for output in (first, second):
        assert DEMO_PASSWORD in output
        for email in DEMO_EMAILS:
            assert email in output
    assert first.count("TOTP secret") == 6
    assert first == second  # the printed secrets are stable


def test_every_demo_user_can_sign_in_and_lands_on_its_dashboard(client, db):
    _run("--force")

    for spec in DEMO_USERS:
        response = client.post("/accounts/login/", {"email": spec.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, spec.email
        client.post("/accounts/logout/")


def test_demo_data_leaves_a_changed_password_alone(db):
    _run("--force")
    investor = User.objects.get(email="investor@demo.shoken.test")
    investor.set_password("my-own-better-password-1")
    investor.save()

    _run("--force")

    investor.refresh_from_db()
    assert investor.check_password("my-own-better-password-1")


def test_demo_data_refuses_without_force_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        _run()

    assert not User.objects.exists()


def test_demo_data_runs_without_force_in_debug(db, settings):
    settings.DEBUG = True

    _run()

    assert User.objects.count() == 9   # the demo users and the demo issuer's treasury
