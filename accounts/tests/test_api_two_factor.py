"""Staff sessions that have not passed 2FA cannot use the API either."""

from django.urls import reverse

from accounts.tests.factories import PASSWORD


def test_staff_session_without_2fa_is_refused_by_the_api(client, compliance_officer):
    client.post(reverse("accounts:login"), {"email": compliance_officer.email, "password": PASSWORD})
    response = client.get(reverse("api:me"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"


def test_staff_session_after_2fa_reaches_the_api(login_verified, compliance_officer):
    client = login_verified(compliance_officer)
    response = client.get(reverse("api:me"))
    assert response.status_code == 200
    assert response.json()["email"] == compliance_officer.email


def test_investor_session_needs_no_2fa_for_the_api(client, verified_investor):
    client.post(reverse("accounts:login"), {"email": verified_investor.email, "password": PASSWORD})
    assert client.get(reverse("api:me")).status_code == 200
