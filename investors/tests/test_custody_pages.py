"""The wallets page and the API: "Have the trust bank keep a wallet for me" (POST, CSRF),
the listing shows who holds each key, and the refusals (not verified, a second one, other roles)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.models import AuditEvent
from investors.models import Wallet

pytestmark = pytest.mark.django_db
API = "/api/investors/wallets/custody/"


def test_the_wallets_page_creates_and_lists_a_custodied_wallet(client, verified_investor):
    client.force_login(verified_investor)
    page = client.get(reverse("investors:wallets")).content.decode()
    assert "Have the trust bank keep a wallet for me" in page and "Self-custodied" in page
    response = client.post(reverse("investors:wallet-custody"), follow=True)
    wallet = Wallet.objects.get(custody=Wallet.Custody.PLATFORM)
    page = response.content.decode()
    assert response.status_code == 200 and "The trust bank now keeps a wallet for you." in page
    assert wallet.address in page and "Kept by the trust bank" in page
    assert "Have the trust bank keep a wallet for me" not in page  # one is enough
    second = client.post(reverse("investors:wallet-custody"), follow=True).content.decode()
    assert "already keeps a wallet for you" in second and Wallet.objects.filter(custody="platform").count() == 1


def test_the_page_refuses_an_unverified_investor_and_a_post_without_csrf(client, unverified_investor):
    client.force_login(unverified_investor)
    page = client.post(reverse("investors:wallet-custody"), follow=True).content.decode()
    assert "only for investors whose KYC is verified" in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(unverified_investor)
    assert strict.post(reverse("investors:wallet-custody")).status_code == 403
    assert client.get(reverse("investors:wallet-custody")).status_code == 405
    assert not Wallet.objects.exists()


def test_the_api_creates_one_custodied_wallet(verified_investor, unverified_investor):
    api = APIClient()
    assert api.post(API, format="json").status_code in (401, 403)
    api.force_authenticate(verified_investor)
    response = api.post(API, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["custody"] == "platform" and body["status"] == "active" and "custody_key" not in body
    listed = api.get("/api/investors/wallets/").json()["results"]
    assert {w["custody"] for w in listed} == {"self", "platform"}
    again = api.post(API, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "custody_wallet_exists"

    api.force_authenticate(unverified_investor)
    refused = api.post(API, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "kyc_not_approved"
    issuer = UserFactory(role=Role.ISSUER)
    api.force_authenticate(issuer)
    other_role = api.post(API, format="json")
    assert other_role.status_code == 403 and other_role.json()["error"]["code"] == "not_an_investor"
    assert AuditEvent.objects.filter(action="access_denied", actor=issuer).count() == 1
    assert Wallet.objects.filter(custody="platform").count() == 1
