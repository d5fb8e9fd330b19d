"""Named personas shared by every app's tests, and small helpers for 2FA.

Personas: issuer_admin, issuer_member, compliance_officer, second_officer,
verified_investor, unverified_investor, outsider, operator, cash_agent, second_cash_agent.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_migrate
from django_otp.oath import TOTP
from hypothesis import settings as hypothesis_settings

from accounts.models import Membership, Role
from accounts.tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, TOTPDeviceFactory, UserFactory
from core import clock
from core.models import BusinessClock

# One anvil per test session, evm_snapshot/evm_revert per test (fixtures `anvil`, `chain_snapshot`).
pytest_plugins = ["chain.testing"]

# Property tests check what a function answers, not how fast: hypothesis' default 200 ms deadline
# per example turned a pure rule check into a flaky failure on a loaded 2-core machine.
hypothesis_settings.register_profile("shoken", deadline=None)
hypothesis_settings.load_profile("shoken")


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions(django_db_setup, django_db_blocker):
    """After the last test, end the database sessions other threads left open (the live
    server's and in-process Celery workers' threads keep a connection each, CONN_MAX_AGE),
    so the test database can be dropped instead of "being accessed by other users"."""
    yield
    if not _test_database_in_use():
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()")


def _test_database_in_use() -> bool:
    """Whether this run set up the test database. A run with no database test sets up none
    (pytest-django), and the connection then still names the development database, which
    session fixtures must leave alone."""
    return connection.settings_dict["NAME"] == connection.settings_dict["TEST"]["NAME"]


# -- the business date (core.clock) -------------------------------------------------------
# The whole run shifts it by an offset of -365..+365 days drawn from BUSINESS_DATE_SEED (else a
# random seed), printed in the header and the summary, so a date assumption fails in CI instead
# of on one calendar day. Replay a run with BUSINESS_DATE_SEED=<seed>.

_BUSINESS_DATE = pytest.StashKey[tuple[int, int]]()


def pytest_configure(config: pytest.Config) -> None:
    seed = int(os.environ.get("BUSINESS_DATE_SEED") or random.SystemRandom().randrange(2**32))
    config.stash[_BUSINESS_DATE] = (seed, random.Random(seed).randint(-365, 365))


def _business_date_line(config: pytest.Config) -> str:
    seed, offset = config.stash[_BUSINESS_DATE]
    return f"business date: offset {offset:+d} days (BUSINESS_DATE_SEED={seed})"


def pytest_report_header(config: pytest.Config) -> str:
    return _business_date_line(config)


@pytest.fixture(scope="session", autouse=True)
def business_date_offset(request: pytest.FixtureRequest, django_db_setup: None,
                         django_db_blocker: object) -> Iterator[int]:
    """The run's offset, stored in the test database (so the live server's thread, in-process
    Celery workers and worker processes all read it), and stored again after each flush of a
    transactional test (flush sends post_migrate)."""
    offset = request.config.stash[_BUSINESS_DATE][1]
    if not _test_database_in_use():
        yield offset        # no database test in this run: nothing reads the clock's row
        return

    def pin(using: str = "default") -> None:
        BusinessClock.objects.using(using).update_or_create(pk=1, defaults={"offset_days": offset})
        clock.forget()

    def after_flush(sender: object, using: str = "default", **kwargs: object) -> None:
        if getattr(sender, "name", "") == "core":
            pin(using)

    with django_db_blocker.unblock():
        pin()
    post_migrate.connect(after_flush, weak=False, dispatch_uid="business_date_offset")
    yield offset
    post_migrate.disconnect(dispatch_uid="business_date_offset")


@pytest.fixture(autouse=True)
def _business_date_cache() -> Iterator[None]:
    """A test that moved the clock in its rolled-back transaction leaves no cached offset."""
    clock.forget()
    yield
    clock.forget()


_RESULT_LINES = pytest.StashKey[list]()


@pytest.fixture
def result_line(request):
    """report(line): a RESULT line a test wants seen. Output is captured under `make test`, so
    the lines are printed again at the end of the run (pytest_terminal_summary below)."""
    def report(line: str) -> None:
        print(line)
        request.config.stash.setdefault(_RESULT_LINES, []).append(line)

    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for line in config.stash.get(_RESULT_LINES, []):
        terminalreporter.write_line(line)
    terminalreporter.write_line(_business_date_line(config))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login throttling counts live in Redis; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


def totp_now(device) -> str:
    """The code an authenticator app would show right now for `device`."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def force_login_verified(client, user):
    """Sign `client` in as `user` without the password form, then pass 2FA when the account has
    an authenticator (the crawls and browser tests that start from a session). Returns the client."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        response = client.post("/accounts/2fa/verify/", {"token": totp_now(device)})
        assert response.status_code == 302, f"2FA for {user.email} failed"
    return client


@pytest.fixture
def issuer_org(db):
    return OrganizationFactory(name="Sakura Robotics K.K.")


@pytest.fixture
def issuer_admin(issuer_org):
    user = UserFactory(email="admin@issuer.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=issuer_org, role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def issuer_member(issuer_org):
    user = UserFactory(email="member@issuer.test", role=Role.ISSUER)
    MembershipFactory(user=user, organization=issuer_org, role=Membership.Role.MEMBER)
    return user


def _staff(email: str, role: str):
    """A staff persona with a confirmed TOTP device (staff sign in with 2FA)."""
    user = UserFactory(email=email, role=role)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def compliance_officer(db):
    return _staff("officer@shoken.test", Role.COMPLIANCE)


@pytest.fixture
def second_officer(db):
    return _staff("officer2@shoken.test", Role.COMPLIANCE)


@pytest.fixture
def operator(db):
    return _staff("operator@shoken.test", Role.OPERATOR)


@pytest.fixture
def cash_agent(db):
    """The trust bank's staff (cash/): records deposits, pays withdrawals."""
    return _staff("cash@trustbank.test", Role.CASH_AGENT)


@pytest.fixture
def second_cash_agent(db):
    return _staff("cash2@trustbank.test", Role.CASH_AGENT)


@pytest.fixture
def verified_investor(db):
    """A KYC-approved investor: an approved review, resident in JP, qualified (not
    accredited), KYC valid for a year, and one proven wallet whose private key is
    investors.tests.factories.VERIFIED_INVESTOR_KEY (address VERIFIED_INVESTOR_WALLET)."""
    from compliance.tests.factories import approve_profile
    from investors.models import InvestorProfile
    from investors.tests.factories import VERIFIED_INVESTOR_WALLET, InvestorProfileFactory, WalletFactory

    user = UserFactory(email="investor@example.test", role=Role.INVESTOR)
    profile = InvestorProfileFactory(
        user=user, legal_name="Hanako Yamada", investor_status=InvestorProfile.InvestorStatus.QUALIFIED,
        status_basis="Registered qualified institutional investor (test)",
    )
    WalletFactory(profile=profile, address=VERIFIED_INVESTOR_WALLET)
    approve_profile(profile)
    return user


@pytest.fixture
def unverified_investor(db):
    """An investor account that has not passed KYC (no profile submitted)."""
    return UserFactory(email="newcomer@example.test", role=Role.INVESTOR)


@pytest.fixture
def outsider(db):
    """Signed up, belongs to no organization, has no privileged role."""
    return UserFactory(email="outsider@example.test", role=Role.INVESTOR)


@pytest.fixture
def login_verified(client):
    """Log `user` in with a session that has passed 2FA (for staff personas)."""

    def _login(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            client.post("/accounts/2fa/verify/", {"token": totp_now(device)})
        return client

    return _login
