"""An investor's tax profile: compliance officers set the exemption or treaty rate with its
basis (investors.tax.tax_profile_set, the KYC desk's form); the investor reads their
withholding situation on their profile page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tests.factories import UserFactory
from compliance.tests.factories import KycReviewFactory
from core.errors import ApplicationError
from core.models import AuditEvent
from investors.models import InvestorProfile, TaxProfile
from investors.tax import tax_profile_set, tax_situation

pytestmark = pytest.mark.django_db


def _tax(user):
    return TaxProfile.objects.filter(user=user).values_list("exemption", "treaty_rate", "basis", "checked_by").first()


def test_an_officer_sets_a_treaty_rate_with_its_basis_and_it_is_audited(compliance_officer, verified_investor):
    profile = tax_profile_set(investor=verified_investor, exemption="treaty", treaty_rate="10.2100",
                              basis="  Treaty form 3 received 2025-04-01 ", actor=compliance_officer)
    assert _tax(verified_investor) == ("treaty", Decimal("10.2100"), "Treaty form 3 received 2025-04-01",
                                       compliance_officer.pk)
    event = AuditEvent.objects.get(action="tax_profile.set")
    assert event.actor == compliance_officer and event.object_id == str(profile.pk)
    assert event.old_values == {} and event.new_values["exemption"] == "treaty"
    assert event.new_values["treaty_rate"] == "10.2100"


def test_changing_the_profile_keeps_one_row_and_records_the_old_values(compliance_officer, verified_investor):
    tax_profile_set(investor=verified_investor, exemption="exempt", basis="Public-interest corp. cert. 12",
                    actor=compliance_officer)
    tax_profile_set(investor=verified_investor, exemption="none", actor=compliance_officer)
    assert TaxProfile.objects.filter(user=verified_investor).count() == 1
    assert _tax(verified_investor)[:2] == ("none", None)
    last = AuditEvent.objects.filter(action="tax_profile.set").order_by("-id").first()
    assert last.old_values["exemption"] == "exempt" and last.new_values["exemption"] == "none"


@pytest.mark.parametrize(("exemption", "rate", "basis", "field"), [
    ("treaty", None, "form 3", "treaty_rate"),            # a treaty needs its rate
    ("treaty", "", "form 3", "treaty_rate"),
    ("treaty", "100.0001", "form 3", "treaty_rate"),      # 0..100
    ("treaty", "-1", "form 3", "treaty_rate"),
    ("treaty", "10.12345", "form 3", "treaty_rate"),      # at most 4 decimals
    ("treaty", "NaN", "form 3", "treaty_rate"),
    ("treaty", "1e2", "form 3", "treaty_rate"),
    ("treaty", "ten", "form 3", "treaty_rate"),
    ("treaty", 10.5, "form 3", "treaty_rate"),            # a float is not a rate
    ("treaty", True, "form 3", "treaty_rate"),
    ("treaty", "10", "", "basis"),                        # and its basis
    ("exempt", None, "", "basis"),                        # an exemption needs its basis
    ("exempt", None, "   ", "basis"),
    ("exempt", "5", "cert", "treaty_rate"),               # only a treaty has a rate
    ("none", "5", "", "treaty_rate"),
    ("partial", None, "x", "exemption"),                  # not a choice
    ("", None, "", "exemption"),
    ("exempt", None, "x" * 201, "basis"),
    ("exempt", None, "a\x00b", "basis"),
    ("exempt", None, 12, "basis"),
])
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(compliance_officer, verified_investor,
                                                                  exemption, rate, basis, field):
    with pytest.raises(ApplicationError) as exc:
        tax_profile_set(investor=verified_investor, exemption=exemption, treaty_rate=rate, basis=basis,
                        actor=compliance_officer)
    assert exc.value.status == 400 and exc.value.code == "invalid"
    assert field in exc.value.fields
    assert _tax(verified_investor) is None
    assert not AuditEvent.objects.filter(action="tax_profile.set").exists()


def test_a_rate_with_trailing_zeros_and_the_bounds_are_accepted(compliance_officer, verified_investor):
    for rate in ("0", "100", "15.31500", Decimal("7.5")):
        tax_profile_set(investor=verified_investor, exemption="treaty", treaty_rate=rate, basis="form",
                        actor=compliance_officer)
    assert _tax(verified_investor)[1] == Decimal("7.5000")


@pytest.mark.parametrize("persona", ["operator", "issuer_admin", "verified_investor", "cash_agent"])
def test_only_compliance_officers_set_a_tax_profile(persona, request, verified_investor):
    actor = request.getfixturevalue(persona)
    with pytest.raises(ApplicationError) as exc:
        tax_profile_set(investor=verified_investor, exemption="exempt", basis="cert", actor=actor)
    assert (exc.value.status, exc.value.code) == (403, "compliance_required")
    assert _tax(verified_investor) is None


def test_a_person_who_is_not_an_investor_has_no_tax_profile(compliance_officer, operator):
    with pytest.raises(ApplicationError) as exc:
        tax_profile_set(investor=operator, exemption="exempt", basis="cert", actor=compliance_officer)
    assert exc.value.status == 404
    assert not TaxProfile.objects.exists()


def test_the_situation_reads_residence_kind_and_exemption(verified_investor, compliance_officer):
    profile = InvestorProfile.objects.get(user=verified_investor)
    profile.kind, profile.tax_residency, profile.residence_country = InvestorProfile.Kind.ENTITY, "", "SG"
    profile.save()
    before = tax_situation(user=verified_investor)
    assert (before.residence, before.holder_kind, before.exemption) == ("SG", "corporate", "none")
    tax_profile_set(investor=verified_investor, exemption="treaty", treaty_rate="15.3150", basis="form",
                    actor=compliance_officer)
    after = tax_situation(user=verified_investor)
    assert (after.exemption, after.treaty_rate_text) == ("treaty", "15.315")
    bare = UserFactory(email="bare@example.test", role=Role.INVESTOR)
    assert tax_situation(user=bare).residence == "" and tax_situation(user=bare).holder_kind == "individual"


# -- the KYC desk's form -------------------------------------------------------------------

@pytest.fixture
def review(verified_investor):
    return KycReviewFactory(profile=InvestorProfile.objects.get(user=verified_investor))


def test_the_desk_shows_and_saves_the_tax_profile(login_verified, compliance_officer, review, verified_investor):
    client = login_verified(compliance_officer)
    page = client.get(reverse("compliance:review", args=[review.pk]))
    assert page.status_code == 200 and b'data-testid="tax-profile"' in page.content
    response = client.post(reverse("compliance:review-tax-profile", args=[review.pk]),
                           {"exemption": "treaty", "treaty_rate": "１０", "basis": "Form 3"})
    assert response.status_code == 302
    assert _tax(verified_investor)[:3] == ("treaty", Decimal("10"), "Form 3")
    page = client.get(reverse("compliance:review", args=[review.pk]))
    assert b'data-exemption="treaty"' in page.content and b"(10%)" in page.content


@pytest.mark.parametrize("data", [
    {"exemption": "treaty", "treaty_rate": "", "basis": "Form 3"},
    {"exemption": "treaty", "treaty_rate": "101", "basis": "Form 3"},
    {"exemption": "treaty", "treaty_rate": "1.23456", "basis": "Form 3"},
    {"exemption": "treaty", "treaty_rate": "-5", "basis": "Form 3"},
    {"exemption": "exempt", "treaty_rate": "", "basis": ""},
    {"exemption": "bogus", "treaty_rate": "", "basis": "x"},
    {"exemption": "exempt", "treaty_rate": "", "basis": "x" * 201},
])
def test_bad_input_on_the_desk_form_is_a_form_error(login_verified, compliance_officer, review, verified_investor,
                                                    data):
    client = login_verified(compliance_officer)
    response = client.post(reverse("compliance:review-tax-profile", args=[review.pk]), data)
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert _tax(verified_investor) is None


def test_other_roles_cannot_post_the_desk_form(login_verified, operator, review, verified_investor, client):
    response = login_verified(operator).post(reverse("compliance:review-tax-profile", args=[review.pk]),
                                             {"exemption": "exempt", "basis": "cert"})
    assert response.status_code == 403
    client.logout()
    client.force_login(verified_investor)
    response = client.post(reverse("compliance:review-tax-profile", args=[review.pk]),
                           {"exemption": "exempt", "basis": "cert"})
    assert response.status_code == 403
    assert _tax(verified_investor) is None


def test_an_unknown_review_is_a_404_at_the_desk(login_verified, compliance_officer):
    response = login_verified(compliance_officer).post(reverse("compliance:review-tax-profile", args=[987654]),
                                                       {"exemption": "exempt", "basis": "cert"})
    assert response.status_code == 404
    assert not TaxProfile.objects.exists()


# -- the investor's own view ----------------------------------------------------------------

def test_the_investor_reads_their_withholding_situation_on_their_profile(client, verified_investor,
                                                                         compliance_officer):
    tax_profile_set(investor=verified_investor, exemption="exempt", basis="NISA account",
                    actor=compliance_officer)
    client.force_login(verified_investor)
    page = client.get(reverse("investors:profile"))
    assert page.status_code == 200
    section = page.content.decode().split('data-testid="tax-situation"')[1].split("</article>")[0]
    assert "JP" in section and 'data-exemption="exempt"' in section
    assert "<form" not in section   # read-only
