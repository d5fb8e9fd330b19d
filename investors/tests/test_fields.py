from datetime import date

import pytest
from django.db import connection

from investors import fields
from investors.models import InvestorProfile
from investors.tests.factories import InvestorProfileFactory

pytestmark = pytest.mark.django_db

OLD, NEW = "b2xkLXRlc3Qtb25seS1maWVsZC1rZXktMDAwMDAwMDA=", "bmV3LXRlc3Qtb25seS1maWVsZC1rZXktMDAwMDAwMDA="


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity_number FROM investors_investorprofile WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_values_round_trip_and_are_not_stored_in_clear():
    profile = InvestorProfileFactory(identity_number="A1234567", birth_date=date(1970, 1, 2))
    loaded = InvestorProfile.objects.get(pk=profile.pk)
    assert loaded.identity_number == "A1234567" and loaded.birth_date == date(1970, 1, 2)
    assert "A1234567" not in _raw(profile.pk)


def test_key_rotation_old_rows_still_read_and_rotate_to_the_new_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    profile = InvestorProfileFactory(identity_number="ROTATE-ME")
    token = _raw(profile.pk)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert InvestorProfile.objects.get(pk=profile.pk).identity_number == "ROTATE-ME"
    rotated = fields.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert fields.decrypt(rotated) == "ROTATE-ME"


def test_empty_values_stay_empty():
    profile = InvestorProfileFactory(identity_number="", birth_date=None)
    loaded = InvestorProfile.objects.get(pk=profile.pk)
    assert loaded.identity_number == "" and loaded.birth_date is None


def test_reencrypt_command_moves_rows_to_the_first_key(settings):
    from django.core.management import call_command

    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    profile = InvestorProfileFactory(identity_number="ROTATE-ALL")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("kyc_reencrypt")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key is gone: the row still reads
    assert fields.decrypt(_raw(profile.pk)) == "ROTATE-ALL"
