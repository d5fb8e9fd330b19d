"""In a real browser: a company signs up from the sign-up page, sets up its authenticator and
lands on the issuer application with its company name filled in."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import totp_now

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_company_signs_up_and_reaches_the_issuer_application(live_server, page):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_role("link", name="Raising capital for a company? Sign up your company").click()

    page.get_by_label("Company name").fill("Kumo Energy K.K.")
    page.get_by_label("Full name").fill("Ren Kobayashi")
    page.get_by_label("E-mail address").fill("ren@kumo.test")
    page.get_by_label("Password", exact=True).fill("plum-blossom-river-42")
    page.get_by_label("Password again").fill("plum-blossom-river-42")
    page.get_by_role("button", name="Sign up your company").click()

    page.wait_for_url("**/accounts/2fa/enrol/**")
    assert "Kumo Energy K.K. is registered and you are its admin." in page.get_by_role("status").inner_text()
    device = TOTPDevice.objects.get(user__email="ren@kumo.test", confirmed=False)
    page.get_by_label("Six-digit code").fill(totp_now(device))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    page.wait_for_url("**/issuance/apply/")
    assert page.get_by_role("heading", level=1).inner_text() == "Issuer application"
    assert page.get_by_label("Legal name").input_value() == "Kumo Energy K.K."
