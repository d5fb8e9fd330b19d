"""The demo users that `make run` prints can sign in, and each lands on its own dashboard;
staff pass the TOTP step on the way."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_PASSWORD, load_demo_users
from conftest import totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "investor@demo.shoken.test": "Investor dashboard",
    "issuer.admin@demo.shoken.test": "Issuer admin dashboard",
    "issuer.member@demo.shoken.test": "Issuer member dashboard",
    "compliance@demo.shoken.test": "Compliance dashboard",
    "operator@demo.shoken.test": "Operator dashboard",
}


@pytest.mark.parametrize("email", list(EXPECTED))
def test_demo_user_signs_in_and_sees_their_dashboard(live_server, page, email):
    load_demo_users()
    page.goto(f"{live_server.url}/accounts/dashboard/")   # "/" is the public home page; this asks to sign in
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    if device is not None:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Six-digit code").fill(totp_now(device))
        page.get_by_role("button", name="Verify").click()

    title = page.get_by_test_id("dashboard-title")
    title.wait_for()
    assert title.inner_text() == EXPECTED[email]
    assert page.get_by_test_id("signed-in-as").inner_text() == email


def test_wrong_password_is_refused_in_the_page(live_server, page):
    load_demo_users()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill("investor@demo.shoken.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "The e-mail address or password is not correct."
    assert "/accounts/login/" in page.url
