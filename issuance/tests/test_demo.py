"""The demo loader gives Sakura Robotics an approved issuer, a bond with a published
offering and common shares (both deployed), and running it twice changes nothing."""

from accounts.demo import load_demo_users
from core.models import OutboxEntry
from issuance.demo import demo_lines
from issuance.models import Issuer, Offering, Security
from issuance.selectors import offerings_public


def test_demo_issuance_is_idempotent(db):
    load_demo_users()
    assert demo_lines()
    demo_lines()
    assert Issuer.objects.get().status == Issuer.Status.APPROVED
    assert dict(Security.objects.values_list("symbol", "kind")) == {"SKRGB29": "bond", "SKRCS": "equity"}
    assert Security.objects.get(symbol="SKRCS").share_class == "Common"
    offering = Offering.objects.get()
    assert offering.status == Offering.Status.PUBLISHED and offering.documents.count() == 2
    assert OutboxEntry.objects.filter(kind="token.deploy").count() == 2
    assert offering.is_public and list(offerings_public()) == [offering]   # on the public home page


def test_navigation_links_per_role(login_verified, issuer_admin, client, verified_investor):
    page = login_verified(issuer_admin).get("/accounts/dashboard/").content.decode()
    assert 'href="/issuance/"' in page
    client.force_login(verified_investor)
    page = client.get("/accounts/dashboard/").content.decode()
    assert 'href="/issuance/market/"' in page and 'href="/issuance/my-subscriptions/"' in page
