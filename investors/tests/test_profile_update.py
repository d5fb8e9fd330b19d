from datetime import date

import pytest
from django.db import connection

from core.errors import ApplicationError, ConflictError, NotFoundError
from core.models import AuditEvent
from investors.models import InvestorProfile
from investors.services import profile_update
from investors.tests.factories import InvestorProfileFactory

pytestmark = pytest.mark.django_db

DATA = {
    "kind": "individual", "legal_name": "Aiko Tanaka", "birth_date": "1990-02-03",
    "identity_number": "MY-NUMBER-123456789012", "address": "4-5-6 Shibuya, Tokyo",
    "nationality": "jp", "residence_country": "JPN", "tax_residency": "392",
    "investor_status": "retail", "status_basis": "",
}


def test_investor_fills_in_the_profile(unverified_investor):
    profile = profile_update(user=unverified_investor, data=DATA, actor=unverified_investor)
    profile.refresh_from_db()
    assert profile.birth_date == date(1990, 2, 3)
    assert (profile.nationality, profile.residence_country, profile.tax_residency) == ("JP", "JP", "JP")
    event = AuditEvent.objects.get(action="investor_profile.updated")
    assert event.new_values["identity_number"] == "(encrypted)"
    assert "MY-NUMBER" not in str(event.new_values)


def test_personal_data_is_encrypted_in_the_database(unverified_investor):
    profile = profile_update(user=unverified_investor, data=DATA, actor=unverified_investor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT birth_date, identity_number, address FROM investors_investorprofile WHERE id = %s",
                       [profile.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in raw)
    assert "1990" not in raw[0] and "MY-NUMBER" not in raw[1] and "Shibuya" not in raw[2]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("birth_date", "1990-02-30", "invalid_profile"), ("birth_date", "2999-01-01", "invalid_profile"),
     ("residence_country", "XX", "invalid_profile"), ("nationality", "Atlantis", "invalid_profile"),
     ("kind", "robot", "invalid_profile"), ("investor_status", "whale", "invalid_profile")],
)
def test_bad_input_is_refused_and_changes_nothing(unverified_investor, field, value, code):
    with pytest.raises(ApplicationError) as exc:
        profile_update(user=unverified_investor, data={**DATA, field: value}, actor=unverified_investor)
    assert exc.value.code == code and field in exc.value.fields
    assert not InvestorProfile.objects.filter(user=unverified_investor).exists()
    assert not AuditEvent.objects.filter(action="investor_profile.updated").exists()


def test_profile_in_review_cannot_be_changed():
    profile = InvestorProfileFactory(kyc_status=InvestorProfile.KycStatus.SUBMITTED)
    with pytest.raises(ConflictError) as exc:
        profile_update(user=profile.user, data={"legal_name": "Other"}, actor=profile.user)
    assert exc.value.code == "profile_locked"


def test_nobody_edits_another_investors_profile(unverified_investor, outsider):
    with pytest.raises(NotFoundError):
        profile_update(user=unverified_investor, data=DATA, actor=outsider)


def test_staff_have_no_profile(compliance_officer):
    with pytest.raises(ApplicationError) as exc:
        profile_update(user=compliance_officer, data=DATA, actor=compliance_officer)
    assert exc.value.code == "not_an_investor"
