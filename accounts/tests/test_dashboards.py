"""Each persona lands on the dashboard of its role."""

import pytest
from django.urls import reverse

from accounts.tests.helpers import dashboard_title


@pytest.mark.parametrize(
    ("persona", "title"),
    [
        ("verified_investor", "Investor dashboard"),
        ("issuer_admin", "Issuer admin dashboard"),
        ("issuer_member", "Issuer member dashboard"),
        ("compliance_officer", "Compliance dashboard"),
        ("operator", "Operator dashboard"),
    ],
)
def test_each_persona_lands_on_its_own_dashboard(request, login_verified, persona, title):
    user = request.getfixturevalue(persona)
    client = login_verified(user)

    home = client.get(reverse("home"))   # the public home page, with the way to the dashboard
    assert f'href="{reverse("accounts:dashboard")}"' in home.content.decode()
    response = client.get(reverse("accounts:dashboard"))

    assert response.status_code == 200
    assert dashboard_title(response) == title
    assert f'data-testid="signed-in-as">{user.email}<' in response.content.decode()


def test_issuer_dashboards_list_the_users_organization(login_verified, issuer_member, issuer_org):
    response = login_verified(issuer_member).get(reverse("accounts:dashboard"))

    assert reverse("accounts:organization", args=[issuer_org.pk]) in response.content.decode()


def test_only_operators_get_the_api_link_in_the_navigation(client, login_verified, operator, verified_investor):
    api_link = f'href="{reverse("api-docs")}"'
    investor_page = login_verified(verified_investor).get(reverse("accounts:dashboard")).content.decode()
    assert api_link not in investor_page

    client.post(reverse("accounts:logout"))
    operator_page = login_verified(operator).get(reverse("accounts:dashboard")).content.decode()
    assert api_link in operator_page


def test_a_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("accounts:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:dashboard')}"
