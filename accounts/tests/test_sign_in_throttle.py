"""Sign-in throttling per account and per address never locks the owner out from elsewhere:
an attacker hammering an account, or a colleague behind the same address failing on their
own account, does not stop the right password from another place (issue 11, item 6)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

LOGIN = reverse("accounts:login")
TOKEN = reverse("api:token")
HOME = "192.0.2.10"         # where the owner usually signs in
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"     # an office behind one NAT address


def _page(client, email, password, ip):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def _api(client, email, password, ip):
    return client.post(TOKEN, {"email": email, "password": password}, content_type="application/json", REMOTE_ADDR=ip)


@pytest.mark.parametrize("ask", [_page, _api], ids=["page", "api"])
def test_the_owner_signs_in_from_home_while_an_attacker_hammers_the_account(client, settings, verified_investor,
                                                                           password, ask):
    assert ask(client, verified_investor.email, password, HOME).status_code in (200, 302)  # home is known
    client.logout()
    for _ in range(settings.LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES + 5):
        ask(client, verified_investor.email, "guess-again-1", ATTACKER)

    assert ask(client, verified_investor.email, password, ATTACKER).status_code == 429
    assert ask(client, verified_investor.email, password, HOME).status_code in (200, 302)


def test_a_pair_lock_does_not_follow_the_owner_to_another_address(client, settings, verified_investor, password):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        _page(client, verified_investor.email, "guess-again-1", ATTACKER)

    assert _page(client, verified_investor.email, password, ATTACKER).status_code == 429
    assert _page(client, verified_investor.email, password, HOME).status_code == 302


def test_a_colleague_failing_behind_the_same_address_does_not_lock_my_account(client, settings, verified_investor,
                                                                             outsider, password):
    for _ in range(settings.LOGIN_THROTTLE_MAX_FAILURES + 3):
        _page(client, outsider.email, "guess-again-1", OFFICE)

    assert _page(client, verified_investor.email, password, OFFICE).status_code == 302


def test_many_addresses_guessing_one_account_lock_it_only_for_addresses_it_never_used(client, settings,
                                                                                     verified_investor, password):
    settings.LOGIN_THROTTLE_ACCOUNT_MAX_FAILURES = 6
    _page(client, verified_investor.email, password, HOME)
    client.logout()
    for n in range(6):  # a botnet: two tries from each of three addresses, each below the pair limit
        _page(client, verified_investor.email, "guess-again-1", f"203.0.113.{n // 2 + 1}")

    assert _page(client, verified_investor.email, password, "198.51.100.99").status_code == 429
    assert _page(client, verified_investor.email, password, HOME).status_code == 302


def test_spraying_many_accounts_from_one_address_is_stopped_except_for_its_regulars(client, settings, verified_investor,
                                                                                   outsider, password):
    settings.LOGIN_THROTTLE_ADDRESS_MAX_FAILURES = 4
    _page(client, verified_investor.email, password, OFFICE)  # a regular of this address
    client.logout()
    for n in range(4):
        _page(client, f"victim{n}@example.test", "Summer2026!", OFFICE)

    assert _page(client, outsider.email, password, OFFICE).status_code == 429
    assert _page(client, verified_investor.email, password, OFFICE).status_code == 302


def test_an_ipv6_host_counts_as_its_whole_64(client, db, settings, password):
    victim = UserFactory(email="v6@example.test")
    for n in range(settings.LOGIN_THROTTLE_MAX_FAILURES):
        _page(client, victim.email, "guess-again-1", f"2001:db8:1:2::{n + 1:x}")

    assert _page(client, victim.email, password, "2001:db8:1:2::ffff").status_code == 429
    assert _page(client, victim.email, password, "2001:db8:9:9::1").status_code == 302
