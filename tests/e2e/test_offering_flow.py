"""The offering story in a real browser: an issuer admin (with 2FA) creates a bond and an
offering and publishes it; a verified investor subscribes and accepts the agreement; the
issuer marks the funds received and accepts. The subscription ends ready to settle.
The investor is the root conftest's verified_investor (KYC-approved with a proven wallet),
so eligibility comes from compliance.selectors.investor_facts_for, unpatched."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD
from conftest import totp_now
from core.clock import business_today
from core.models import OutboxEntry
from issuance.models import Offering, Subscription
from issuance.tests.factories import IssuerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Six-digit code").fill(totp_now(device))
        page.get_by_role("button", name="Verify").click()
    page.get_by_test_id("signed-in-as").wait_for()


def test_offering_is_published_subscribed_funded_and_accepted(live_server, browser, issuer_admin, issuer_org,
                                                              verified_investor, settings, tmp_path):
    settings.ISSUANCE_DOCUMENT_ROOT = tmp_path / "docs"
    IssuerFactory(organization=issuer_org)
    base = live_server.url
    today = business_today()

    issuer_ctx = browser.new_context(locale="en-US")
    page = issuer_ctx.new_page()
    page.set_default_timeout(15_000)
    _sign_in(page, base, issuer_admin)
    page.goto(f"{base}/issuance/")
    page.get_by_role("button", name="New security").click()
    page.get_by_label("Instrument").select_option("bond")
    page.get_by_label("Name", exact=True).fill("Sakura Green Bond 2031")
    page.get_by_label("Symbol").fill("SGB31")
    page.locator("#id_currency").select_option("JPY")  # other labels name the currency too
    page.get_by_label("Face value per unit").fill("100000")
    page.get_by_label("Coupon rate (% a year)").fill("1.25")
    page.get_by_label("Coupon frequency").select_option("semiannual")
    page.get_by_label("Day-count convention").select_option("ACT/365F")
    page.get_by_label("Issue date").fill("2026-04-01")
    page.get_by_label("Maturity date").fill("2031-03-31")
    page.get_by_label("Regulation").select_option("none")
    page.get_by_role("button", name="Create security").click()
    page.get_by_role("heading", name="Sakura Green Bond 2031 (SGB31)").wait_for()

    page.get_by_role("button", name="New offering").click()
    page.get_by_label("Title").fill("Sakura Green Bond 2031 offering")
    page.get_by_label("Price per unit").fill("100000")
    page.get_by_label("Minimum subscription (units)").fill("1")
    page.get_by_label("Maximum subscription per investor (units)").fill("50")
    page.get_by_label("Target (units)").fill("80")
    page.get_by_label("Hard cap (units)").fill("100")
    page.get_by_label("Opening date").fill(today.isoformat())
    page.get_by_label("Closing date").fill((today + dt.timedelta(days=30)).isoformat())
    page.get_by_label("Payment instructions (bank account)").fill("MUFG Bank, ordinary 1234567")
    # This journey is the off-chain path (the issuer confirms the funds); DvP is test_dvp_flow.py's.
    page.get_by_label("Settlement").select_option("manual")
    page.get_by_role("button", name="Create offering").click()
    for kind, name in (("memorandum", "memorandum.pdf"), ("agreement", "agreement.pdf")):
        page.get_by_label("Document").select_option(kind)
        page.get_by_label("File").set_input_files({"name": name, "mimeType": "application/pdf",
                                                   "buffer": f"%PDF-1.4 {kind}".encode()})
        page.get_by_role("button", name="Attach document").click()
        page.get_by_text("Document attached.").wait_for()
    page.get_by_role("button", name="Publish offering").click()
    page.get_by_text("Offering published. The token deployment is queued.").wait_for()
    offering = Offering.objects.get(title="Sakura Green Bond 2031 offering")
    assert offering.status == Offering.Status.PUBLISHED
    assert OutboxEntry.objects.filter(kind="token.deploy", idempotency_key=f"offering:{offering.pk}:deploy").exists()

    investor_ctx = browser.new_context(locale="en-US")
    inv = investor_ctx.new_page()
    inv.set_default_timeout(15_000)
    _sign_in(inv, base, verified_investor)
    inv.goto(f"{base}/issuance/market/")
    assert "Eligible" in inv.get_by_test_id("market").inner_text()
    inv.get_by_role("link", name="Sakura Green Bond 2031 offering").click()
    inv.get_by_label("Units to subscribe").fill("3")
    inv.get_by_role("button", name="Subscribe").click()
    assert inv.get_by_test_id("amount-due").inner_text() == "300,000 JPY"
    inv.get_by_label("I have read and accept the subscription agreement").check()
    inv.get_by_role("button", name="Accept the agreement").click()
    instructions = inv.get_by_test_id("payment-instructions").inner_text()
    sub = Subscription.objects.get(investor=verified_investor)
    assert sub.payment_reference in instructions and "MUFG Bank" in instructions
    assert sub.status == Subscription.Status.SIGNED and sub.agreement_sha256

    page.goto(f"{base}/issuance/offerings/{offering.pk}/")
    page.get_by_label(f"Bank reference for {sub.payment_reference}").fill("MUFG-0512-001")
    page.get_by_role("button", name="Mark funds received").click()
    page.get_by_text("Funds marked as received.").wait_for()
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_text("Subscription accepted.").wait_for()
    assert "Ready to settle" in page.get_by_test_id(f"subscription-{sub.pk}").inner_text()
    sub.refresh_from_db()
    assert sub.status == Subscription.Status.READY_TO_SETTLE and sub.funding_reference == "MUFG-0512-001"
    issuer_ctx.close()
    investor_ctx.close()
