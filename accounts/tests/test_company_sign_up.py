"""A company's representative signs up on "Sign up your company": a new issuer account, the
company (Organization) and the person as its admin, in one go. They are led through 2FA
enrolment to the issuer application. Bad input gets a clear message and writes nothing."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, Organization, Role, User
from accounts.services import company_sign_up
from accounts.tests.helpers import founding_state
from conftest import totp_now
from core.errors import ApplicationError
from core.models import AuditEvent

SIGN_UP = reverse("accounts:signup")
SIGN_UP_COMPANY = reverse("accounts:signup-company")
APPLY = reverse("issuance:issuer-apply")
ENROL = reverse("accounts:2fa-enrol")
GOOD_PASSWORD = "plum-blossom-river-42"


def _form(**overrides) -> dict:
    data = {
        "company_name": "Kumo Energy K.K.",
        "full_name": "Ren Kobayashi",
        "email": "ren@kumo.test",
        "password": GOOD_PASSWORD,
        "password_again": GOOD_PASSWORD,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_sign_up_page_links_to_the_company_sign_up_page(client, db):
    page = client.get(SIGN_UP).content.decode()
    assert f'href="{SIGN_UP_COMPANY}"' in page

    response = client.get(SIGN_UP_COMPANY)
    assert response.status_code == 200
    assert "Sign up your company" in response.content.decode()
    assert 'name="company_name"' in response.content.decode()


def test_a_company_signs_up_and_its_representative_becomes_the_admin(client, db):
    response = client.post(SIGN_UP_COMPANY, _form(email="  Ren@Kumo.TEST ", company_name="  Kumo   Energy K.K. "))

    assert response.status_code == 302
    assert response["Location"] == APPLY
    user = User.objects.get(email="ren@kumo.test")
    assert user.role == Role.ISSUER and user.full_name == "Ren Kobayashi"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.is_staff and not user.is_superuser
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.ADMIN
    assert membership.organization.name == "Kumo Energy K.K."
    assert client.session["_auth_user_id"] == str(user.pk)

    events = list(AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", "new_values"))
    assert events == [
        ("user.signed_up", {"email": "ren@kumo.test", "role": "issuer"}),
        ("organization.created", {"name": "Kumo Energy K.K.", "name_already_in_use": False}),
        ("membership.created", {"email": "ren@kumo.test", "role": "admin", "organization": membership.organization_id}),
    ]


def test_the_new_admin_enrols_2fa_and_reaches_the_issuer_application(client, db):
    client.post(SIGN_UP_COMPANY, _form())

    response = client.get(APPLY)  # an admin: the middleware asks for an authenticator first
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?{urlencode({'next': APPLY})}"
    enrol_page = client.get(response["Location"]).content.decode()
    assert "Kumo Energy K.K. is registered and you are its admin." in enrol_page

    device = TOTPDevice.objects.get(user__email="ren@kumo.test")
    response = client.post(response["Location"], {"token": totp_now(device)})
    assert response.status_code == 302
    assert response["Location"] == APPLY

    page = client.get(APPLY)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Issuer application" in content
    assert 'value="Kumo Energy K.K."' in content  # the legal name starts from the company name


def test_nobody_picks_another_role_or_membership_through_the_form(client, db):
    client.post(SIGN_UP_COMPANY, _form(role="operator", is_staff="on", membership_role="member"))

    user = User.objects.get(email="ren@kumo.test")
    assert user.role == Role.ISSUER and not user.is_staff
    assert user.memberships.get().role == Membership.Role.ADMIN


@pytest.mark.parametrize(
    ("company_name", "message"),
    [
        (None, "This field is required."),
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("K" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_a_missing_blank_or_too_long_company_name_is_refused(client, db, company_name, message):
    before = founding_state()

    response = client.post(SIGN_UP_COMPANY, _form(company_name=company_name))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert founding_state() == before
    assert "_auth_user_id" not in client.session


def test_an_existing_email_is_refused_and_no_company_is_created(client, verified_investor):
    before = founding_state()

    response = client.post(SIGN_UP_COMPANY, _form(email="INVESTOR@example.TEST"))

    assert response.status_code == 400
    assert "An account with this e-mail address already exists" in response.content.decode()
    assert founding_state() == before
    assert User.objects.get(email="investor@example.test").role == Role.INVESTOR


def test_a_weak_password_or_a_mismatch_is_refused_and_no_company_is_created(client, db):
    before = founding_state()

    weak = client.post(SIGN_UP_COMPANY, _form(password="password1234", password_again="password1234"))
    mismatch = client.post(SIGN_UP_COMPANY, _form(password_again=GOOD_PASSWORD + "x"))

    assert weak.status_code == 400 and "This password is too common" in weak.content.decode()
    assert mismatch.status_code == 400 and "The two passwords do not match." in mismatch.content.decode()
    assert founding_state() == before


def test_the_form_keeps_what_was_typed_after_a_refusal(client, verified_investor):
    response = client.post(SIGN_UP_COMPANY, _form(email="investor@example.test"))

    content = response.content.decode()
    assert 'value="Kumo Energy K.K."' in content and 'value="Ren Kobayashi"' in content


def test_an_existing_company_name_is_allowed_and_noted_for_compliance(client, issuer_org):
    response = client.post(SIGN_UP_COMPANY, _form(company_name="sakura robotics k.k."))

    assert response.status_code == 302
    assert Organization.objects.filter(name__iexact="Sakura Robotics K.K.").count() == 2
    event = AuditEvent.objects.get(action="organization.created")
    assert event.new_values == {"name": "sakura robotics k.k.", "name_already_in_use": True}
    assert issuer_org.memberships.count() == 0  # the newcomer did not join the existing one


@pytest.mark.parametrize(
    ("company_name", "code"),
    [("", "name_required"), (" \t\n ", "name_required"), ("K" * 201, "name_too_long"),
     ("Kumo\x00 K.K.", "name_invalid")],
)
def test_the_service_refuses_a_bad_company_name_with_a_code(db, company_name, code):
    before = founding_state()

    with pytest.raises(ApplicationError) as refused:
        company_sign_up(email="ren@kumo.test", password=GOOD_PASSWORD, full_name="Ren", company_name=company_name)

    assert refused.value.code == code
    assert list(refused.value.fields) == ["company_name"]
    assert founding_state() == before


def test_the_service_refuses_a_taken_email_and_writes_nothing(verified_investor):
    before = founding_state()

    with pytest.raises(ApplicationError) as refused:
        company_sign_up(email="investor@example.test", password=GOOD_PASSWORD, company_name="Kumo Energy K.K.")

    assert refused.value.code == "email_taken"
    assert founding_state() == before
