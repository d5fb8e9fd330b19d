"""Register fixtures: the persona issuer's bond, its offering, investors with wallets."""

from __future__ import annotations

import pytest

from issuance.tests.factories import IssuerFactory, OfferingFactory, SecurityFactory, SubscriptionFactory

from .factories import approved_investor


@pytest.fixture
def issuer(issuer_org):
    return IssuerFactory(organization=issuer_org)


@pytest.fixture
def bond(issuer, issuer_admin):
    return SecurityFactory(issuer=issuer, created_by=issuer_admin, name="Sakura Green Bond 2031", symbol="SGB31")


@pytest.fixture
def offering(bond):
    return OfferingFactory(security=bond, title="Sakura Green Bond 2031 offering", documents=False)


@pytest.fixture
def investor_wallet(verified_investor):
    return _wallet(verified_investor)


def _wallet(user):
    from investors.models import Wallet

    return Wallet.objects.filter(profile__user=user, status=Wallet.Status.ACTIVE).order_by("id").first()


@pytest.fixture
def second_investor(db):
    user, wallets = approved_investor(email="taro@example.test")
    return user


@pytest.fixture
def ready_subscription(offering, verified_investor):
    return SubscriptionFactory(offering=offering, investor=verified_investor, units=5, status="ready_to_settle")


def wallet_of(user):
    return _wallet(user)


@pytest.fixture
def api():
    """A JSON API client; api.force_authenticate(persona) signs in with an API token."""
    from .api_client import Api

    return Api()


@pytest.fixture
def market(settings, bond, issuer_admin, verified_investor):
    """Delivery versus payment (ledger/tests/dvp.py): a JPY cash token, the seller
    (verified_investor) with 10 bond units, a buyer with 10,000 JPY, fixed settlement terms."""
    from .dvp import market_open, use_fixed_terms

    use_fixed_terms(settings)
    return market_open(bond=bond, issuer_admin=issuer_admin, seller=verified_investor)
