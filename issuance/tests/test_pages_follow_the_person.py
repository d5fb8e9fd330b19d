"""Issuance pages that say what matters to the person reading them: the offering page shows
the instrument's terms (bond, share, fund); the issuer's money raised counts only funds
received, with the subscribed amount beside it; the subscription list names the investors
(to the issuer's own people only); the security page shows the token contract's address once
deployed (read through settings.TOKEN_ADDRESSES, chain/ being above issuance)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from investors.tests.factories import InvestorProfileFactory
from issuance.models import Security, Subscription
from issuance.tests.factories import OfferingFactory, SecurityFactory, SubscriptionFactory

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _page(client, user, name, pk) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def test_offering_page_shows_a_bonds_terms(client, verified_investor, offering):
    terms = _section(_page(client, verified_investor, "issuance:market-offering", offering.pk), "instrument-terms")
    assert "100000 JPY" in terms and "1.25%" in terms and "Semi-annual" in terms and "ACT/365F" in terms
    assert "2031-03-31" in terms


def test_offering_page_shows_a_shares_and_a_funds_terms(client, verified_investor, issuer, issuer_admin):
    share = SecurityFactory(issuer=issuer, created_by=issuer_admin, kind=Security.Kind.EQUITY, share_class="Class A",
                            par_value=Decimal("50"), authorized_shares=1_000_000, face_value=None, coupon_rate=None)
    fund = SecurityFactory(issuer=issuer, created_by=issuer_admin, kind=Security.Kind.FUND, decimals=6,
                           nav_per_unit=Decimal("10250.50"), dealing_frequency=Security.Dealing.MONTHLY)
    equity_terms = _section(_page(client, verified_investor, "issuance:market-offering",
                                  OfferingFactory(security=share, documents=False).pk), "instrument-terms")
    assert "Class A" in equity_terms and "50 JPY" in equity_terms and "1000000" in equity_terms
    assert "Coupon" not in equity_terms
    fund_terms = _section(_page(client, verified_investor, "issuance:market-offering",
                                OfferingFactory(security=fund, documents=False).pk), "instrument-terms")
    assert "10250.5 JPY" in fund_terms and "Monthly" in fund_terms


def test_raised_counts_only_funds_received_with_subscribed_beside_it(login_verified, issuer_admin, offering):
    SubscriptionFactory(offering=offering, units=5, status=Subscription.Status.SIGNED)    # not paid yet
    SubscriptionFactory(offering=offering, units=2, status=Subscription.Status.FUNDED)
    SubscriptionFactory(offering=offering, units=1, status=Subscription.Status.SETTLED)
    page = login_verified(issuer_admin).get(reverse("issuance:offering", args=[offering.pk])).content.decode()
    raised = page.split('data-testid="raised"')[1].split("</span>")[0]
    assert "Raised (funds received): 300,000 JPY" in raised and "subscribed: 800,000 JPY" in raised


def test_the_subscription_list_names_the_investors(login_verified, issuer_admin, offering):
    named = InvestorProfileFactory(legal_name="Yamada Hanako").user
    plain = UserFactory(role=Role.INVESTOR, email="plain@example.test", full_name="")
    SubscriptionFactory(offering=offering, investor=named)
    SubscriptionFactory(offering=offering, investor=plain)
    page = login_verified(issuer_admin).get(reverse("issuance:offering", args=[offering.pk])).content.decode()
    names = [cell.split("</td>")[0] for cell in page.split('data-testid="subscriber">')[1:]]
    assert "<strong>plain@example.test</strong>" in names[0]
    assert "<strong>Yamada Hanako</strong>" in names[1] and named.email in names[1]


def test_another_issuer_cannot_read_the_names(login_verified, issuer_admin, other_offering):
    SubscriptionFactory(offering=other_offering, investor=InvestorProfileFactory(legal_name="Suzuki Ichiro").user)
    response = login_verified(issuer_admin).get(reverse("issuance:offering", args=[other_offering.pk]))
    assert response.status_code == 404 and "Suzuki Ichiro" not in response.content.decode()


def test_security_page_shows_the_token_address_once_deployed(login_verified, issuer_admin, bond, settings):
    client = login_verified(issuer_admin)
    settings.TOKEN_ADDRESSES = "issuance.tests.test_pages_follow_the_person.no_tokens"
    page = client.get(reverse("issuance:security", args=[bond.pk])).content.decode()
    assert "Not deployed yet" in _contract(page)
    settings.TOKEN_ADDRESSES = "issuance.tests.test_pages_follow_the_person.deployed"
    assert TOKEN in _contract(client.get(reverse("issuance:security", args=[bond.pk])).content.decode())


def test_the_default_reader_is_the_chain_mirrors_record(bond):
    from chain.models import DeployedContract, token_contract_name
    from issuance.chain_facts import token_address_of

    assert token_address_of(bond.pk) == ""
    DeployedContract.objects.create(name=token_contract_name(bond.pk), chain_id=31337, address=TOKEN, tx_hash="0x1")
    assert token_address_of(bond.pk) == TOKEN


def _contract(page: str) -> str:
    return page.split('data-testid="token-contract"')[1].split("</p>")[0]


def no_tokens(security_ids):
    return {}


def deployed(security_ids):
    return {pk: TOKEN for pk in security_ids}


def test_issuer_dashboard_lists_the_offerings_with_what_waits_for_the_issuer(login_verified, issuer_admin, offering):
    SubscriptionFactory(offering=offering, units=5, status=Subscription.Status.SIGNED)
    SubscriptionFactory(offering=offering, units=2, status=Subscription.Status.FUNDED)
    SubscriptionFactory(offering=offering, units=1, status=Subscription.Status.SETTLED)
    page = login_verified(issuer_admin).get(reverse("accounts:dashboard")).content.decode()
    row = page.split(f'data-testid="dashboard-offering-{offering.pk}"')[1].split("</tr>")[0]
    assert 'data-count="2"' in row and "Raised (funds received): 300,000 JPY" in row


def test_issuer_dashboard_without_an_issuer_has_no_offerings_panel(client, issuer_member):
    client.force_login(issuer_member)
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert 'data-testid="issuer-offerings"' not in page
