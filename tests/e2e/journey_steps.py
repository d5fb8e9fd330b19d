"""Steps of the Japanese journey (tests/e2e/test_journey_japanese.py), one function per step,
so checks can be added after each one (notifications sent and listed, axe, English leaks).

Every page is read in Japanese: each person has their own browser context with the ja-JP
locale and switches the site language to Japanese with the header's language select, as a
person would. Elements are found by stable attributes (name, id, data-testid, href, form
action), never by their English or Japanese wording, since both are being edited; the
Japanese a person should read is taken from the catalogs (`ja`) and checked to be Japanese.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import formats, translation
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from eth_account import Account

from accounts.tests.factories import PASSWORD
from conftest import totp_now
from core.clock import business_today
from investors.tests.factories import PDF_BYTES, key_for, sign

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
TIMEOUT_MS = 15_000
WALLET_KEY = key_for(15_008)


# -- what a person should read ------------------------------------------------------------

def ja(text, **params) -> str:
    """The Japanese a page shows for an English msgid (or a lazy label such as a model
    choice's), formatted with `params`; it must be Japanese, not the English fallback."""
    with translation.override("ja"):
        out = gettext(text) if isinstance(text, str) else str(text)
    assert JAPANESE.search(out), f"no Japanese translation for {text!r}: {out!r}"
    return out % params if params else out


def assert_japanese_page(page) -> None:
    """The page is served in Japanese and its main heading is Japanese."""
    assert page.locator("html").get_attribute("lang") == "ja", page.url
    heading = page.locator("main h1").first.inner_text()
    assert JAPANESE.search(heading), f"{page.url}: heading not Japanese: {heading!r}"


def assert_flash(page, text: str) -> None:
    """A message in the page's status area contains `text` (a `ja(...)` string)."""
    page.locator("[role=status]", has_text=text).first.wait_for()


# -- people and their browsers ------------------------------------------------------------

@dataclass
class Person:
    email: str
    password: str = PASSWORD
    page: object = None


@dataclass
class Journey:
    """What the steps share: the live server, the browser, the people and what they made."""

    base: str
    browser: object
    company_admin: Person
    officer: Person
    second_officer: Person
    investor: Person
    company_name: str = "くも電力株式会社"
    bond_name: str = "くもグリーンボンド2031"
    bond_symbol: str = "KGB31"
    offering_title: str = "くもグリーンボンド2031 募集"
    investor_name: str = "田中 愛子"
    units: int = 3
    ids: dict = field(default_factory=dict)
    today: dt.date = field(default_factory=business_today)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def close(self) -> None:
        for person in (self.company_admin, self.officer, self.second_officer, self.investor):
            if person.page is not None:
                person.page.context.close()
                person.page = None


def open_browser(journey: Journey, person: Person, path: str) -> None:
    """A browser of its own for `person` (locale ja-JP), on `path`, switched to Japanese."""
    context = journey.browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    person.page = page
    page.goto(journey.url(path))
    switch_to_japanese(page)


def switch_to_japanese(page) -> None:
    """The header's language select (it submits itself on change, to Django's set_language)."""
    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("ja")
    assert page.locator("html").get_attribute("lang") == "ja"


def submit(page, form: str = "main form[method=post]") -> None:
    """Press the submit button of `form` (a selector) and wait for the next page."""
    with page.expect_navigation():
        page.locator(form).first.locator("button[type=submit]").first.click()


def sign_in(journey: Journey, person: Person) -> None:
    """Password, then the six-digit code when the account has an authenticator."""
    if person.page is None:
        open_browser(journey, person, "/accounts/login/")
    else:
        person.page.goto(journey.url("/accounts/login/"))
    page = person.page
    assert_japanese_page(page)
    page.locator("main [name=email]").fill(person.email)
    page.locator("main [name=password]").fill(person.password)
    submit(page)
    device = TOTPDevice.objects.filter(user__email=person.email, confirmed=True).first()
    if device is not None:
        page.wait_for_url("**/accounts/2fa/verify/**")
        assert_japanese_page(page)
        page.locator("main [name=token]").fill(totp_now(device))
        submit(page)
    page.get_by_test_id("signed-in-as").wait_for()
    assert page.get_by_test_id("signed-in-as").inner_text() == person.email


# -- the company --------------------------------------------------------------------------

def company_signs_up(j: Journey) -> None:
    """From the public home page to the company sign-up; 2FA is set up before anything else."""
    p = j.company_admin
    open_browser(j, p, "/")
    page = p.page
    assert_japanese_page(page)
    with page.expect_navigation():
        page.locator("main a[href$='/accounts/signup/company/']").first.click()
    assert_japanese_page(page)
    page.locator("main [name=company_name]").fill(j.company_name)
    page.locator("main [name=full_name]").fill("小林 蓮")
    page.locator("main [name=email]").fill(p.email)
    page.locator("main [name=password]").fill(p.password)
    page.locator("main [name=password_again]").fill(p.password)
    submit(page)

    page.wait_for_url("**/accounts/2fa/enrol/**")
    assert_japanese_page(page)
    device = TOTPDevice.objects.get(user__email=p.email, confirmed=False)
    page.locator("main [name=token]").fill(totp_now(device))
    submit(page)
    page.wait_for_url("**/issuance/apply/")
    assert_japanese_page(page)
    assert page.locator("main h1").inner_text() == ja("Issuer application")
    assert page.locator("main [name=legal_name]").input_value() == j.company_name


def company_applies_as_issuer(j: Journey) -> None:
    """The issuer application (KYB), one document, sent to compliance."""
    from issuance.models import Issuer

    page = j.company_admin.page
    page.locator("main [name=registration_number]").fill("0104-01-123456")
    page.locator("main [name=jurisdiction]").select_option("JP")
    page.locator("main [name=address]").fill("東京都千代田区丸の内1-1-1")
    page.locator("main [name=representatives]").fill("小林 蓮（代表取締役）")
    submit(page, "main form[method=post]:not([action])")
    assert_flash(page, ja("Application saved."))

    doc_form = "main form[action$='/issuance/apply/documents/']"
    page.locator(f"{doc_form} [name=title]").fill("履歴事項全部証明書")
    page.locator(f"{doc_form} [name=file]").set_input_files(
        files=[{"name": "registry.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    submit(page, doc_form)
    assert_flash(page, ja("Document added."))
    submit(page, "main form[action$='/issuance/apply/submit/']")
    assert_japanese_page(page)
    issuer = Issuer.objects.get(legal_name=j.company_name)
    assert issuer.status == Issuer.Status.SUBMITTED
    assert page.get_by_test_id("status").first.inner_text() == ja(Issuer.Status.SUBMITTED.label)
    j.ids["issuer"] = issuer.pk


def officer_approves_the_issuer(j: Journey) -> None:
    """A compliance officer (password + TOTP) finds the application in the list and approves it."""
    from issuance.models import Issuer

    sign_in(j, j.officer)
    page = j.officer.page
    assert_japanese_page(page)
    card = page.get_by_test_id("count-issuer-applications")  # the dashboard counts the waiting applications
    assert card.get_attribute("data-count") == "1"
    with page.expect_navigation():
        card.click()
    assert_japanese_page(page)
    with page.expect_navigation():
        page.locator(f"main a[href$='/issuance/review/{j.ids['issuer']}/']").first.click()
    assert_japanese_page(page)
    submit(page, "main form:has(button[name=decision][value=approve])")
    assert_flash(page, ja("Issuer approved."))
    assert page.get_by_test_id("status").first.inner_text() == ja(Issuer.Status.APPROVED.label)
    assert Issuer.objects.get(pk=j.ids["issuer"]).status == Issuer.Status.APPROVED


def issuer_creates_a_bond(j: Journey) -> None:
    """The issuer admin fills the security form for a bond and sees its terms."""
    from issuance.models import Security

    page = j.company_admin.page
    page.goto(j.url("/issuance/"))
    assert_japanese_page(page)
    with page.expect_navigation():
        page.locator("main a[href$='/issuance/securities/new/']").first.click()
    assert_japanese_page(page)
    issue = j.today + dt.timedelta(days=45)
    maturity = issue.replace(year=issue.year + 5) if (issue.month, issue.day) != (2, 29) else issue + dt.timedelta(
        days=5 * 365)
    j.ids["issue_date"], j.ids["maturity_date"] = issue, maturity
    page.locator("main [name=kind]").select_option("bond")
    page.locator("main [name=name]").fill(j.bond_name)
    page.locator("main [name=symbol]").fill(j.bond_symbol)
    page.locator("main [name=currency]").select_option("JPY")
    page.locator("main [name=face_value]").fill("100000")
    page.locator("main [name=coupon_rate]").fill("1.25")
    page.locator("main [name=coupon_frequency]").select_option("semiannual")
    page.locator("main [name=day_count]").select_option("ACT/365F")
    page.locator("main [name=issue_date]").fill(issue.isoformat())
    page.locator("main [name=maturity_date]").fill(maturity.isoformat())
    page.locator("main [name=regulation]").select_option("none")
    submit(page)
    assert_flash(page, ja("Security created."))
    bond = Security.objects.get(symbol=j.bond_symbol)
    j.ids["bond"] = bond.pk
    page.wait_for_url(f"**/issuance/securities/{bond.pk}/")
    assert_japanese_page(page)
    assert j.bond_name in page.locator("main h1").inner_text()
    terms = page.locator("main dl").first.inner_text()
    assert ja("Face value per unit") in terms and ja("Maturity date") in terms
    assert "100000" in terms.replace(",", "") and "1.25" in terms and shows_date(terms, maturity)


def issuer_creates_and_publishes_an_offering(j: Journey) -> None:
    """An offering of the bond (funds confirmed by the issuer: the off-chain path), its two
    documents, published."""
    from issuance.models import Offering

    page = j.company_admin.page
    with page.expect_navigation():
        page.locator(f"main a[href$='/issuance/securities/{j.ids['bond']}/offerings/new/']").click()
    assert_japanese_page(page)
    page.locator("main [name=title]").fill(j.offering_title)
    page.locator("main [name=price]").fill("100000")
    page.locator("main [name=min_subscription]").fill("1")
    page.locator("main [name=max_subscription]").fill("50")
    page.locator("main [name=target]").fill("80")
    page.locator("main [name=hard_cap]").fill("100")
    page.locator("main [name=opens_on]").fill(j.today.isoformat())
    page.locator("main [name=closes_on]").fill((j.today + dt.timedelta(days=30)).isoformat())
    page.locator("main [name=payment_instructions]").fill("三菱UFJ銀行 丸の内支店 普通 1234567")
    page.locator("main [name=settlement_mode]").select_option("manual")
    page.locator("main [name=is_public]").check()  # a public offering: advertised on the home page
    submit(page)
    assert_flash(page, ja("Offering created as a draft. Attach its documents, then publish."))
    offering = Offering.objects.get(title=j.offering_title)
    j.ids["offering"] = offering.pk
    assert_japanese_page(page)

    doc_form = f"main form[action$='/issuance/offerings/{offering.pk}/documents/']"
    for kind, name in (("memorandum", "memorandum.pdf"), ("agreement", "agreement.pdf")):
        page.locator(f"{doc_form} [name=kind]").select_option(kind)
        page.locator(f"{doc_form} [name=file]").set_input_files(
            files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES + kind.encode()}])
        submit(page, doc_form)
        assert_flash(page, ja("Document attached."))
    submit(page, f"main form[action$='/issuance/offerings/{offering.pk}/publish/']")
    assert_flash(page, ja("Offering published. The token deployment is queued."))
    assert page.get_by_test_id("status").first.inner_text() == ja(Offering.Status.PUBLISHED.label)
    assert Offering.objects.get(pk=offering.pk).status == Offering.Status.PUBLISHED


# -- the investor -------------------------------------------------------------------------

def investor_signs_up(j: Journey) -> None:
    """The investor finds the public offering on the home page and opens an account."""
    p = j.investor
    open_browser(j, p, "/")
    page = p.page
    assert_japanese_page(page)
    assert page.locator(f"main a[href$='/issuance/market/{j.ids['offering']}/']").inner_text() == j.offering_title
    with page.expect_navigation():
        page.locator("main a[href$='/accounts/signup/']").first.click()
    assert_japanese_page(page)
    page.locator("main [name=full_name]").fill(j.investor_name)
    page.locator("main [name=email]").fill(p.email)
    page.locator("main [name=password]").fill(p.password)
    page.locator("main [name=password_again]").fill(p.password)
    submit(page)
    page.get_by_test_id("dashboard-title").wait_for()
    assert page.get_by_test_id("dashboard-title").inner_text() == ja("Investor dashboard")
    assert_flash(page, ja("Welcome to Shoken. Your account is ready."))
    tracker = page.get_by_test_id("onboarding")  # the dashboard's onboarding tracker: nothing done yet
    assert tracker.get_attribute("data-done") == "0"
    assert tracker.get_by_test_id("step-profile").get_attribute("data-done") == "0"


def investor_onboards(j: Journey) -> None:
    """KYC profile, an identity document, sent for review; a wallet proven by signing the
    server's challenge with its key (what a wallet app does). The investor is a Myanmar
    national living in Japan: a high-risk case, so two officers must approve."""
    from investors.models import InvestorProfile

    page = j.investor.page
    with page.expect_navigation():
        page.get_by_test_id("step-profile").locator("a[href$='/investors/profile/']").click()
    assert_japanese_page(page)
    kyc = page.get_by_test_id("kyc-status")
    assert kyc.get_attribute("data-status") == "draft"
    assert kyc.inner_text() == ja(InvestorProfile.KycStatus.DRAFT.label)

    profile = "main form[action$='/investors/profile/']"
    page.locator(f"{profile} [name=kind]").select_option("individual")
    page.locator(f"{profile} [name=legal_name]").fill(j.investor_name)
    page.locator(f"{profile} [name=birth_date]").fill("1990-02-03")
    page.locator(f"{profile} [name=identity_number]").fill("MM-1234-5678")
    page.locator(f"{profile} [name=address]").fill("東京都渋谷区渋谷4-5-6")
    page.locator(f"{profile} [name=nationality]").select_option("MM")
    page.locator(f"{profile} [name=residence_country]").select_option("JP")
    page.locator(f"{profile} [name=tax_residency]").select_option("JP")
    page.locator(f"{profile} [name=investor_status]").select_option("retail")
    submit(page, profile)
    assert_flash(page, ja("Your profile was saved."))

    documents = "main form[action$='/investors/documents/']"
    page.locator(f"{documents} [name=doc-kind]").select_option("passport")
    page.locator(f"{documents} [name=doc-file]").set_input_files(
        files=[{"name": "passport.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}])
    submit(page, documents)
    assert_flash(page, ja("The document was uploaded."))
    assert "passport.pdf" in page.get_by_test_id("documents").inner_text()
    submit(page, "main form[action$='/compliance/kyc/submit/']")
    assert_flash(page, ja("Thank you. Your information was sent for review."))
    assert kyc.get_attribute("data-status") == "submitted"
    assert kyc.inner_text() == ja(InvestorProfile.KycStatus.SUBMITTED.label)

    address = Account.from_key(WALLET_KEY).address
    page.goto(j.url("/investors/wallets/"))
    assert_japanese_page(page)
    challenge = "main form[action$='/investors/wallets/challenge/']"
    page.locator(f"{challenge} [name=address]").fill(address)
    submit(page, challenge)
    message = page.get_by_test_id("challenge-message").inner_text()
    assert address in message
    verify = "main form[action$='/investors/wallets/verify/']"
    page.locator(f"{verify} [name=signature]").fill(sign(message, WALLET_KEY))
    submit(page, verify)
    assert_flash(page, ja("Wallet %(address)s is registered.", address=address))
    assert address in page.get_by_test_id("wallets").inner_text()
    j.ids["wallet"] = address


def two_officers_approve_the_investor(j: Journey) -> None:
    """Four eyes: the first officer's approval waits for a second officer's, in their own browser."""
    from compliance.codes import describe
    from compliance.models import KycReview
    from investors.models import InvestorProfile

    review = KycReview.objects.get(profile__user__email=j.investor.email)
    assert review.risk == KycReview.Risk.HIGH and review.needs_four_eyes
    j.ids["review"] = review.pk

    page = j.officer.page
    page.goto(j.url("/compliance/reviews/"))
    assert_japanese_page(page)
    assert j.investor_name in page.get_by_test_id("review-queue").inner_text()
    with page.expect_navigation():
        page.locator(f"main a[href$='/compliance/reviews/{review.pk}/']").first.click()
    assert_japanese_page(page)
    assert page.get_by_test_id("review-legal-name").inner_text() == j.investor_name
    assert page.get_by_test_id("review-risk").inner_text() == ja(KycReview.Risk.HIGH.label)
    with translation.override("ja"):  # the screening's reason in words: Myanmar is on the high-risk list
        reason = describe("flagged_country:MM")
    assert JAPANESE.search(reason) and reason in page.get_by_test_id("risk-reasons").inner_text()
    page.locator("main [name=reason]").fill("在留カードと住所を確認しました")
    page.locator("main [name=expires_on]").fill((j.today + dt.timedelta(days=365)).isoformat())
    submit(page, "main form:has(button[name=action][value=approve])")
    assert_flash(page, ja("First approval recorded; a second officer must approve."))
    status = page.get_by_test_id("review-status")
    assert status.get_attribute("data-status") == "awaiting_second"
    assert status.inner_text() == ja(KycReview.Status.AWAITING_SECOND.label)

    sign_in(j, j.second_officer)
    other = j.second_officer.page
    card = other.get_by_test_id("count-kyc-awaiting-second")  # the dashboard counts reviews awaiting a second
    assert card.get_attribute("data-count") == "1"
    with other.expect_navigation():
        card.click()
    assert_japanese_page(other)
    with other.expect_navigation():
        other.locator(f"main a[href$='/compliance/reviews/{review.pk}/']").first.click()
    assert_japanese_page(other)
    other.locator("main [name=reason]").fill("第一承認に同意します")
    submit(other, "main form:has(button[name=action][value=approve])")
    assert_flash(other, ja("Approved."))
    status = other.get_by_test_id("review-status")
    assert status.get_attribute("data-status") == "approved"
    assert status.inner_text() == ja(KycReview.Status.APPROVED.label)

    page = j.investor.page
    page.goto(j.url("/investors/profile/"))
    assert page.get_by_test_id("kyc-status").get_attribute("data-status") == "approved"
    assert page.get_by_test_id("kyc-status").inner_text() == ja(InvestorProfile.KycStatus.APPROVED.label)


def investor_subscribes(j: Journey) -> None:
    """The investor finds the offering, reads the bond's terms, subscribes and accepts the agreement."""
    from issuance.models import Subscription

    page = j.investor.page
    page.goto(j.url("/issuance/market/"))
    assert_japanese_page(page)
    market = page.get_by_test_id("market").inner_text()
    assert j.offering_title in market and ja("Eligible") in market
    with page.expect_navigation():
        page.locator(f"main a[href$='/issuance/market/{j.ids['offering']}/']").first.click()
    assert_japanese_page(page)
    assert_bond_terms(j, page.get_by_test_id("instrument-terms"))

    page.locator("main [name=units]").fill(str(j.units))
    submit(page, "main form[method=post]:has([name=units])")
    assert_flash(page, ja("Subscription recorded. Read and accept the subscription agreement."))
    assert page.get_by_test_id("amount-due").inner_text().replace(",", "").startswith(str(100000 * j.units))
    page.locator("main [name=agree]").check()
    submit(page, "main form:has([name=agree])")
    sub = Subscription.objects.get(investor__email=j.investor.email)
    assert sub.status == Subscription.Status.SIGNED
    assert sub.payment_reference in page.get_by_test_id("payment-instructions").inner_text()
    assert page.get_by_test_id("status").first.inner_text() == ja(Subscription.Status.SIGNED.label)
    j.ids["subscription"] = sub.pk


def issuer_confirms_funds_accepts_and_settles(j: Journey) -> None:
    """The issuer admin records the bank transfer, accepts the subscription and settles it:
    the register issues the units (the chain mirrors them later, through the outbox)."""
    from issuance.models import Subscription

    sub = Subscription.objects.get(pk=j.ids["subscription"])
    page = j.company_admin.page
    page.goto(j.url(f"/issuance/offerings/{j.ids['offering']}/"))
    assert_japanese_page(page)
    funded = f"main form[action$='/issuance/subscriptions/{sub.pk}/funded/']"
    page.locator(f"{funded} [name=reference]").fill("MUFG-0512-001")
    submit(page, funded)
    submit(page, f"main form[action$='/issuance/subscriptions/{sub.pk}/accept/']")
    row = page.get_by_test_id(f"subscription-{sub.pk}")
    assert row.get_by_test_id("status").inner_text() == ja(Subscription.Status.READY_TO_SETTLE.label)
    submit(page, f"main form[action$='/ledger/subscriptions/{sub.pk}/settle/']")
    assert_flash(page, ja("Subscription %(ref)s settled.", ref=sub.payment_reference))
    assert_japanese_page(page)
    assert Subscription.objects.get(pk=sub.pk).status == Subscription.Status.SETTLED


def investor_sees_the_holding_with_its_terms(j: Journey) -> None:
    """The portfolio on the investor's dashboard (the holding with the bond's coupon and
    maturity), the holdings page (units per wallet), and the full terms on the offering page."""
    page = j.investor.page
    page.goto(j.url("/accounts/dashboard/"))
    assert_japanese_page(page)
    assert page.get_by_test_id("dashboard-title").inner_text() == ja("Investor dashboard")
    assert page.get_by_test_id("onboarding").count() == 0  # done: the portfolio, not "complete your KYC"
    row = page.locator(f"[data-testid=portfolio-holding][data-security='{j.ids['bond']}']")
    assert row.count() == 1
    assert j.bond_name in row.inner_text() and j.bond_symbol in row.inner_text()
    assert row.locator("td").nth(2).inner_text().strip() == str(j.units)
    terms = row.get_by_test_id(f"terms-{j.ids['bond']}").inner_text()
    assert ja("Coupon") in terms and "1.25" in terms and shows_date(terms, j.ids["maturity_date"]), terms

    page.goto(j.url("/ledger/holdings/"))
    assert_japanese_page(page)
    holding = page.get_by_test_id("holding")
    assert holding.count() == 1
    text = holding.inner_text()
    assert j.bond_name in text and j.bond_symbol in text and j.ids["wallet"] in text
    assert holding.locator("td").nth(2).inner_text().strip() == str(j.units)

    page.goto(j.url(f"/issuance/market/{j.ids['offering']}/"))
    assert_japanese_page(page)
    assert_bond_terms(j, page.get_by_test_id("instrument-terms"))


def assert_bond_terms(j: Journey, terms) -> None:
    """The terms block (a locator) shows the bond's face value, coupon and maturity, and every
    label in it is Japanese."""
    labels = terms.locator("dt").all_inner_texts()
    assert labels and all(JAPANESE.search(label) for label in labels), labels
    assert terms.get_by_test_id("term-face").inner_text().replace(",", "").split()[0] == "100000"
    coupon = terms.get_by_test_id("term-coupon").inner_text()
    assert "1.25" in coupon, coupon
    assert JAPANESE.search(terms.get_by_test_id("term-frequency").inner_text())
    assert shows_date(terms.get_by_test_id("term-maturity").inner_text(), j.ids["maturity_date"])


def shows_date(text: str, day: dt.date) -> bool:
    """`day` written as ISO 8601 or in Japanese's date format (2031年3月31日)."""
    with translation.override("ja"):
        local = formats.date_format(day)
    return day.isoformat() in text or local in text


# -- what each step told people (notifications) and how the pages read (axe) -------------------

def assert_notified(j: Journey, person: Person, *kinds: str) -> None:
    """`person` has exactly one notification of each kind in `kinds` (none sent twice), and an
    e-mail for each, in Japanese (the language they used on the site)."""
    from django.core import mail

    from notifications.models import Notification

    for kind in kinds:
        rows = list(Notification.objects.filter(recipient__email=person.email, kind=kind))
        assert len(rows) == 1, f"{person.email}: {len(rows)} notifications of kind {kind}"
    mails = [m for m in mail.outbox if person.email in m.to]
    assert len(mails) >= len(kinds), [m.subject for m in mails]
    assert all(JAPANESE.search(m.subject) for m in mails), [m.subject for m in mails]


def notifications_listed(j: Journey, person: Person, *kinds: str) -> None:
    """The person's notification list (from the header link, its unread count shown) names each
    kind, in Japanese, and opening one marks it read and leads to its page."""
    page = person.page
    link = page.get_by_test_id("notifications-link")
    assert re.search(r"\d", link.inner_text()), link.inner_text()  # the unread count
    with page.expect_navigation():
        link.click()
    assert_japanese_page(page)
    items = page.get_by_test_id("notifications").locator("li")
    listed = items.evaluate_all("els => els.map(el => el.dataset.kind)")
    assert set(kinds) <= set(listed), listed
    assert all(JAPANESE.search(text) for text in items.all_inner_texts())
    assert_accessible(page)
    with page.expect_navigation():
        items.first.locator("button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "ja"


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    from tests.e2e.test_accessibility import _violations

    found = _violations(page)
    assert not found, f"{page.url}: {found}"
