"""Investor onboarding end to end in headless Chromium: sign up, KYC profile with a
document, a wallet proven by signing the server's challenge (with a test key in Python, as
a wallet would), a compliance officer (2FA) approves, and the investor sees "Verified".
The second story is the four-eyes path for a high-risk case."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from eth_account import Account

from accounts.tests.factories import PASSWORD
from compliance.models import KycReview
from compliance.tests.factories import KycReviewFactory
from conftest import totp_now
from core.models import OutboxEntry
from investors.models import InvestorProfile
from investors.tests.factories import PDF_BYTES, InvestorProfileFactory, KycDocumentFactory, key_for, sign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WALLET_KEY = key_for(31337)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    if device is not None:
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.get_by_label("Six-digit code").fill(totp_now(device))
        page.get_by_role("button", name="Verify").click()
    page.get_by_test_id("dashboard-title").wait_for()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def _decide(page, base: str, review_id: int, action: str, reason: str) -> None:
    page.goto(f"{base}/compliance/reviews/{review_id}/")
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name=action, exact=True).click()


def test_kyc_investor_signs_up_submits_proves_a_wallet_and_is_approved(live_server, page, compliance_officer):
    base = live_server.url
    email = "aiko@example.test"

    # Sign up.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Full name").fill("Aiko Tanaka")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_test_id("dashboard-title").wait_for()

    # KYC profile: the page says what is missing until it is complete.
    page.get_by_role("link", name="My KYC", exact=True).click()
    assert page.get_by_test_id("kyc-status").inner_text() == "Not submitted"
    assert "Fill in your profile." in page.get_by_test_id("kyc-missing").inner_text()
    page.get_by_label("Investor kind").select_option("individual")
    page.get_by_label("Legal name").fill("Aiko Tanaka")
    page.get_by_label("Date of birth or incorporation").fill("1990-02-03")
    page.get_by_label("Identity or registration number").fill("MN-1234-5678-9012")
    page.get_by_label("Address", exact=True).fill("4-5-6 Shibuya, Tokyo")
    page.get_by_label("Nationality or country of incorporation").select_option("JP")
    page.get_by_label("Country of residence").select_option("JP")
    page.get_by_label("Tax residency").select_option("JP")
    page.locator("#id_investor_status").select_option("retail")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile was saved.").wait_for()

    # A disguised file is refused; a real PDF is accepted.
    page.get_by_label("Document kind").select_option("passport")
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": "passport.pdf", "mimeType": "application/pdf", "buffer": b"<html>not a pdf</html>"}])
    page.get_by_role("button", name="Upload document").click()
    page.get_by_text("Only PDF, JPEG and PNG files are accepted").first.wait_for()
    page.get_by_label("Document kind").select_option("passport")
    page.get_by_label("File (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": "passport.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    page.get_by_role("button", name="Upload document").click()
    page.get_by_text("The document was uploaded.").wait_for()
    assert "passport.pdf" in page.get_by_test_id("documents").inner_text()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("Your information was sent for review.").wait_for()
    assert page.get_by_test_id("kyc-status").inner_text() == "In review"

    # Wallet: sign the server's challenge with the wallet's key (what MetaMask would do).
    address = Account.from_key(WALLET_KEY).address
    page.get_by_role("link", name="Wallets", exact=True).first.click()
    page.get_by_label("Wallet address").fill(address)
    page.get_by_role("button", name="Get a message to sign").click()
    message = page.get_by_test_id("challenge-message").inner_text()
    assert address in message and "Nonce:" in message
    page.get_by_label("Signature").fill(sign(message, WALLET_KEY))
    page.get_by_role("button", name="Verify signature").click()
    page.get_by_text(f"Wallet {address} is registered.").wait_for()
    assert address in page.get_by_test_id("wallets").inner_text()
    _sign_out(page)

    # The officer (password + TOTP) approves from the queue.
    _sign_in(page, base, compliance_officer.email)
    page.get_by_role("link", name="KYC reviews").click()
    page.get_by_role("link", name="Aiko Tanaka").click()
    assert page.get_by_test_id("review-legal-name").inner_text() == "Aiko Tanaka"
    page.get_by_label("Reason").fill("Passport and address verified")
    page.get_by_label("KYC valid until (optional)").fill("2099-12-31")
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("Approved.").wait_for()
    assert page.get_by_test_id("review-status").get_attribute("data-status") == "approved"
    _sign_out(page)

    # The investor sees "Verified"; the registry got the wallet and the attributes.
    _sign_in(page, base, email)
    page.get_by_role("link", name="My KYC", exact=True).click()
    assert page.get_by_test_id("kyc-status").inner_text() == "Verified"
    kinds = set(OutboxEntry.objects.values_list("kind", flat=True))
    assert kinds == {"registry.register_wallet", "registry.update_investor"}


def test_kyc_four_eyes_high_risk_case_needs_a_second_officer(live_server, browser, page, compliance_officer,
                                                              second_officer):
    base = live_server.url
    profile = InvestorProfileFactory(legal_name="Reza Example", residence_country="IR",
                                     kyc_status=InvestorProfile.KycStatus.SUBMITTED)
    KycDocumentFactory(profile=profile)
    review = KycReviewFactory(profile=profile, risk=KycReview.Risk.HIGH, risk_reasons=["flagged_country:IR"])

    _sign_in(page, base, compliance_officer.email)
    page.goto(f"{base}/compliance/reviews/?risk=high")
    assert "Reza Example" in page.get_by_test_id("review-queue").inner_text()
    _decide(page, base, review.pk, "Approve", "Documents fine, source of funds explained")
    page.get_by_text("First approval recorded; a second officer must approve.").wait_for()
    assert page.get_by_test_id("review-status").get_attribute("data-status") == "awaiting_second"

    # The same officer cannot give the second approval.
    _decide(page, base, review.pk, "Approve", "Approving again")
    page.get_by_role("alert").get_by_text("Four eyes").wait_for()
    assert KycReview.objects.get(pk=review.pk).status == KycReview.Status.AWAITING_SECOND

    # A second officer, in their own browser session, approves.
    other = browser.new_context(locale="en-US").new_page()
    other.set_default_timeout(15_000)
    _sign_in(other, base, second_officer.email)
    _decide(other, base, review.pk, "Approve", "Second review agrees")
    other.get_by_text("Approved.").wait_for()
    assert other.get_by_test_id("review-status").get_attribute("data-status") == "approved"
    other.context.close()
    assert InvestorProfile.objects.get(pk=profile.pk).kyc_status == InvestorProfile.KycStatus.APPROVED
