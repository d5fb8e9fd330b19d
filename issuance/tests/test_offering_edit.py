"""An issuer admin edits a draft offering in the page: pre-filled form, the service's checks
shown on the form, nothing saved on bad input, and only drafts and only admins."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from accounts.tests.factories import MembershipFactory, TOTPDeviceFactory, UserFactory
from core.errors import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent
from issuance.models import Offering, Security
from issuance.services import offering_update

from .factories import OfferingFactory, SecurityFactory

FORM = {"title": "Sakura Green Bond 2031, second tranche", "currency": "JPY", "price": "95000", "min_subscription": "2",
        "max_subscription": "40", "target": "60", "hard_cap": "90", "opens_on": "2026-07-01", "closes_on": "2026-08-31",
        "payment_instructions": "SMBC, Marunouchi branch, ordinary 7654321"}


def _edit_url(offering) -> str:
    return reverse("issuance:offering-edit", args=[offering.pk])


def _snapshot(offering) -> dict:
    offering.refresh_from_db()
    return {f: getattr(offering, f) for f in ("title", "status", "currency", "price", "min_subscription",
                                              "max_subscription", "target", "hard_cap", "opens_on", "closes_on",
                                              "payment_instructions")}


# --- the service ---------------------------------------------------------------------------

def test_edit_audits_only_what_changed_and_a_no_op_writes_nothing(draft_offering, issuer_admin):
    offering_update(offering=draft_offering, data={"price": "90000", "hard_cap": "120"}, actor=issuer_admin)
    event = AuditEvent.objects.get(action="offering.updated", object_id=str(draft_offering.pk))
    assert event.actor == issuer_admin
    assert event.old_values == {"price": "100000.00", "hard_cap": "100"}
    assert event.new_values == {"price": "90000", "hard_cap": 120}
    offering_update(offering=draft_offering, data={"price": "90000"}, actor=issuer_admin)
    assert AuditEvent.objects.filter(action="offering.updated").count() == 1


def test_partial_edit_keeps_fractional_limits_of_fund_units(issuer, issuer_admin):
    fund = SecurityFactory(issuer=issuer, created_by=issuer_admin, kind=Security.Kind.FUND, decimals=6, currency="USD")
    draft = OfferingFactory(security=fund, status="draft", currency="USD", price=Decimal("10.25"),
                            min_subscription=1_500_000, max_subscription=50_000_000, target=80_000_000,
                            hard_cap=100_000_000)
    offering_update(offering=draft, data={"title": "Robo Fund, class B"}, actor=issuer_admin)
    draft.refresh_from_db()
    assert draft.title == "Robo Fund, class B" and draft.min_subscription == 1_500_000
    assert draft.price == Decimal("10.25")


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"currency": "JPY"}, "invalid_price", "price"),                  # 10.25 has cents JPY does not have
    ({"hard_cap": "40"}, "max_above_cap", "max_subscription"),        # the cap is checked against the kept limits
    ({"title": "t" * 201}, "title_too_long", "title"),
    ({"price": "1e18"}, "price_too_large", "price"),
    ({"price": "1e40"}, "price_too_large", "price"),
    ({"opens_on": None}, "required", "opens_on"),
])
def test_bad_partial_edit_is_refused_and_changes_nothing(bond, issuer_admin, change, code, field):
    draft = OfferingFactory(security=bond, status="draft", currency="USD", price=Decimal("10.25"))
    before = _snapshot(draft)
    with pytest.raises(ApplicationError) as err:
        offering_update(offering=draft, data=change, actor=issuer_admin)
    assert err.value.code == code and field in err.value.fields
    assert _snapshot(draft) == before and not AuditEvent.objects.filter(action="offering.updated").exists()


def test_plain_member_cannot_edit(draft_offering, issuer_member):
    with pytest.raises(PermissionDeniedError) as err:
        offering_update(offering=draft_offering, data={"price": "1"}, actor=issuer_member)
    assert err.value.code == "admin_required"


@pytest.mark.parametrize("status", ["published", "closed", "cancelled"])
def test_only_a_draft_is_editable(bond, issuer_admin, status):
    offering = OfferingFactory(security=bond, status=status)
    before = _snapshot(offering)
    with pytest.raises(ConflictError) as err:
        offering_update(offering=offering, data={"title": "Renamed"}, actor=issuer_admin)
    assert err.value.code == "offering_not_draft" and _snapshot(offering) == before


# --- the page ------------------------------------------------------------------------------

def test_admin_edits_a_draft_in_the_page(login_verified, issuer_admin, draft_offering):
    client = login_verified(issuer_admin)
    page = client.get(_edit_url(draft_offering)).content.decode()
    assert 'value="Draft bond offering"' in page and 'name="price" value="100000"' in page
    assert 'name="hard_cap" value="100"' in page
    response = client.post(_edit_url(draft_offering), FORM, follow=True)
    assert response.redirect_chain[-1][0] == reverse("issuance:offering", args=[draft_offering.pk])
    assert "Offering saved." in response.content.decode()
    after = _snapshot(draft_offering)
    assert after["title"] == FORM["title"] and after["price"] == Decimal("95000") and after["hard_cap"] == 90
    assert after["closes_on"].isoformat() == "2026-08-31"
    assert after["payment_instructions"] == FORM["payment_instructions"]
    assert AuditEvent.objects.filter(action="offering.updated", actor=issuer_admin,
                                     object_id=str(draft_offering.pk)).exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"min_subscription": "50"}, "The minimum subscription is above the maximum."),
    ({"closes_on": "2026-06-01"}, "The closing date must be after the opening date."),
    ({"closes_on": "not a date"}, "Enter a valid date."),
    ({"price": "99999999999999999999"}, "The price is too large."),
])
def test_bad_input_is_shown_in_the_page_and_nothing_is_saved(login_verified, issuer_admin, draft_offering, change,
                                                             message):
    client = login_verified(issuer_admin)
    before = _snapshot(draft_offering)
    response = client.post(_edit_url(draft_offering), {**FORM, **change})
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert f'value="{FORM["title"]}"' in page  # what was typed is kept
    assert _snapshot(draft_offering) == before


@pytest.mark.parametrize("status", ["published", "closed"])
def test_a_non_draft_is_refused_in_the_page(login_verified, issuer_admin, bond, status):
    offering = OfferingFactory(security=bond, status=status)
    before = _snapshot(offering)
    client = login_verified(issuer_admin)
    for response in (client.get(_edit_url(offering), follow=True), client.post(_edit_url(offering), FORM, follow=True)):
        assert response.redirect_chain[-1][0] == reverse("issuance:offering", args=[offering.pk])
        assert "Only a draft offering can be edited." in response.content.decode()
    assert _snapshot(offering) == before


def test_plain_member_gets_403(client, issuer_member, draft_offering):
    client.force_login(issuer_member)
    before = _snapshot(draft_offering)
    assert client.get(_edit_url(draft_offering)).status_code == 403
    response = client.post(_edit_url(draft_offering), FORM)
    assert response.status_code == 403 and "Only an issuer admin may do this." in response.content.decode()
    assert _snapshot(draft_offering) == before


def test_another_issuers_admin_and_an_outsider_get_404(client, login_verified, issuer_admin, outsider):
    theirs = OfferingFactory(status="draft", title="Fuji Foods draft")
    before = _snapshot(theirs)
    admin_client = login_verified(issuer_admin)  # an admin, but of Sakura Robotics
    assert admin_client.get(_edit_url(theirs)).status_code == 404
    assert admin_client.post(_edit_url(theirs), FORM).status_code == 404
    admin_client.logout()
    client.force_login(outsider)
    assert client.post(_edit_url(theirs), FORM).status_code == 404
    assert _snapshot(theirs) == before
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(theirs.pk)).count() == 3


def test_their_own_admin_may_edit_it(db, login_verified):
    theirs = OfferingFactory(status="draft")
    admin = UserFactory(email="admin@fuji.test", role=Role.ISSUER)
    MembershipFactory(user=admin, organization=theirs.security.issuer.organization, role=Membership.Role.ADMIN)
    TOTPDeviceFactory(user=admin)
    response = login_verified(admin).post(_edit_url(theirs), FORM)
    assert response.status_code == 302 and Offering.objects.get(pk=theirs.pk).title == FORM["title"]


def test_the_edit_link_shows_for_admins_on_drafts_only(client, login_verified, issuer_admin, issuer_member,
                                                       draft_offering, offering):
    admin_client = login_verified(issuer_admin)
    draft_url = reverse("issuance:offering", args=[draft_offering.pk])
    assert _edit_url(draft_offering) in admin_client.get(draft_url).content.decode()
    published_url = reverse("issuance:offering", args=[offering.pk])
    assert _edit_url(offering) not in admin_client.get(published_url).content.decode()
    home = admin_client.get(reverse("issuance:home")).content.decode()
    assert _edit_url(draft_offering) in home and _edit_url(offering) not in home
    admin_client.logout()
    client.force_login(issuer_member)
    assert _edit_url(draft_offering) not in client.get(draft_url).content.decode()
    assert _edit_url(draft_offering) not in client.get(reverse("issuance:home")).content.decode()
