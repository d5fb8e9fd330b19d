import pytest

from accounts.demo import load_demo_users
from compliance.demo import DEMO_INVESTOR, demo_lines
from compliance.selectors import investor_facts_for
from compliance.tasks import expire_kyc
from investors.models import InvestorProfile, Wallet

pytestmark = pytest.mark.django_db


def test_demo_investor_is_verified_with_a_wallet_and_loading_twice_changes_nothing():
    load_demo_users()
    lines = demo_lines()
    assert lines and "KYC verified" in lines[0]
    demo_lines()
    profile = InvestorProfile.objects.get(user__email=DEMO_INVESTOR)
    assert profile.kyc_status == "approved" and Wallet.objects.filter(profile=profile).count() == 1
    assert investor_facts_for(user=profile.user).kyc_approved


def test_expire_task_runs_the_service(verified_investor):
    assert expire_kyc() == 0  # called directly: the task is a thin wrapper over kyc_expire_due


def test_the_beat_schedule_has_the_expiry_sweep(settings):
    assert settings.CELERY_BEAT_SCHEDULE["compliance.expire_kyc"]["task"] == "compliance.expire_kyc"
