"""The one rule for 404 versus 403 (accounts/access.py, docs/security.md "Who may do what"), shown in
every app for an outsider and for an officer (or operator), on pages and in the API:

- 404 `not_found`: an object the actor may not see at all (another tenant's, another
  investor's), the same answer as for an id that does not exist;
- 403: an object the actor sees but may not act on, or a desk the actor's role lacks.

Refusals at the edge (selectors, desk gates) record an `access_denied` audit event."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.helpers import api_token_for
from chain.tests.factories import BreakFactory
from compliance.tests.factories import KycReviewFactory
from core.models import AuditEvent
from investors.tests.factories import KycDocumentFactory, WalletFactory
from issuance.models import Offering
from issuance.tests.factories import IssuerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_in_tmp")]

MISSING = 987654321  # an id no row has


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")


def _denied(user, object_type: str) -> bool:
    return AuditEvent.objects.filter(action="access_denied", actor=user, object_type=object_type).exists()


def _error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# -- accounts: an organization ---------------------------------------------------------------

def test_accounts_an_organization_is_404_for_outsiders_and_seen_by_officers(
        client, login_verified, outsider, compliance_officer, issuer_org):
    client.force_login(outsider)
    assert client.get(reverse("accounts:organization", args=[issuer_org.pk])).status_code == 404
    assert client.get(reverse("accounts:organization", args=[MISSING])).status_code == 404
    assert _denied(outsider, "accounts.organization")
    officer = login_verified(compliance_officer)
    assert officer.get(reverse("accounts:organization", args=[issuer_org.pk])).status_code == 200


# -- investors: another investor's document and wallet ------------------------------------

def test_investors_a_document_is_404_for_outsiders_and_seen_by_officers(client, login_verified, outsider,
                                                                          compliance_officer):
    document = KycDocumentFactory()
    client.force_login(outsider)
    assert client.get(reverse("investors:document-download", args=[document.pk])).status_code == 404
    assert _error(_api(outsider).get(f"/api/investors/documents/{document.pk}/")) == (404, "not_found")
    assert _denied(outsider, "investors.kycdocument")
    officer = login_verified(compliance_officer)
    assert officer.get(reverse("investors:document-download", args=[document.pk])).status_code == 200


def test_investors_another_investors_wallet_is_404_and_other_roles_get_403(client, outsider, compliance_officer):
    wallet = WalletFactory()
    client.force_login(outsider)
    assert client.post(reverse("investors:wallet-remove", args=[wallet.pk])).status_code == 404
    assert _error(_api(outsider).delete(f"/api/investors/wallets/{wallet.pk}/")) == (404, "not_found")
    assert _denied(outsider, "investors.wallet")
    # an officer sees the investor's wallets on the KYC desk, but wallets are the investor's own pages
    assert _error(_api(compliance_officer).delete(f"/api/investors/wallets/{wallet.pk}/")) == (403, "not_an_investor")
    wallet.refresh_from_db()
    assert wallet.status == "active"


# -- compliance: the KYC desk ------------------------------------------------------------------

def test_compliance_the_kyc_desk_is_403_for_other_roles_and_404_for_a_missing_review(
        client, login_verified, outsider, compliance_officer, issuer_admin):
    review = KycReviewFactory()
    client.force_login(outsider)
    assert client.get(reverse("compliance:review", args=[review.pk])).status_code == 403
    assert client.get(reverse("compliance:review", args=[MISSING])).status_code == 403  # the same for any id
    assert _error(_api(issuer_admin).get(f"/api/compliance/reviews/{review.pk}/")) == (403, "compliance_required")
    assert _denied(outsider, "compliance.kycreview") and _denied(issuer_admin, "compliance.kycreview")
    officer = login_verified(compliance_officer)
    assert officer.get(reverse("compliance:review", args=[MISSING])).status_code == 404
    assert _error(_api(compliance_officer).get(f"/api/compliance/reviews/{MISSING}/")) == (404, "not_found")


# -- issuance: an issuer's offering --------------------------------------------------------------

def test_issuance_an_offering_is_404_for_outsiders_and_403_for_officers_who_act_on_it(
        client, login_verified, outsider, compliance_officer, draft):
    client.force_login(outsider)
    assert client.get(reverse("issuance:offering", args=[draft.pk])).status_code == 404
    assert client.get(reverse("issuance:offering-edit", args=[draft.pk])).status_code == 404
    publish = f"/api/issuance/offerings/{draft.pk}/publish/"
    assert _error(_api(outsider).post(publish, {}, content_type="application/json")) == (404, "not_found")
    assert _denied(outsider, "issuance.offering")

    officer = login_verified(compliance_officer)
    assert officer.get(reverse("issuance:offering", args=[draft.pk])).status_code == 200   # staff read it
    assert officer.get(reverse("issuance:offering-edit", args=[draft.pk])).status_code == 403
    response = _api(compliance_officer).post(publish, {}, content_type="application/json")
    assert _error(response) == (403, "permission_denied")
    draft.refresh_from_db()
    assert draft.status == Offering.Status.DRAFT


def test_issuance_the_issuer_desk_is_403_for_other_roles(client, login_verified, issuer_admin, operator, issuer_org):
    issuer = IssuerFactory(organization=issuer_org)
    admin = login_verified(issuer_admin)
    assert admin.get(reverse("issuance:issuer-review", args=[issuer.pk])).status_code == 403
    assert _error(_api(operator).post(f"/api/issuance/issuers/{issuer.pk}/approve/", {"reason": "x"},
                                      content_type="application/json")) == (403, "compliance_required")
    assert _denied(operator, "issuance.issuer")


# -- ledger: the register and the forced-transfer desk -------------------------------------------

def test_ledger_a_register_is_404_for_outsiders_and_403_for_officers_who_act_on_it(
        client, outsider, compliance_officer, draft):
    security = draft.security
    client.force_login(outsider)
    assert client.get(reverse("ledger:cap-table", args=[security.pk])).status_code == 404
    assert _error(_api(outsider).get(f"/api/ledger/securities/{security.pk}/cap-table/")) == (404, "not_found")
    assert _denied(outsider, "issuance.security")

    officer = _api(compliance_officer)
    assert officer.get(f"/api/ledger/securities/{security.pk}/cap-table/").status_code == 200
    response = officer.post(f"/api/ledger/securities/{security.pk}/redeem/",
                            {"wallet": "0x" + "11" * 20, "amount": "1", "reason": "x"}, content_type="application/json")
    assert _error(response) == (403, "permission_denied")


def test_ledger_the_requests_desk_is_403_for_other_roles(client, login_verified, issuer_admin, outsider):
    assert login_verified(issuer_admin).get(reverse("ledger:requests")).status_code == 403
    assert _error(_api(outsider).get("/api/ledger/requests/")) == (403, "compliance_required")
    assert _denied(issuer_admin, "ledger.compliancerequest") and _denied(outsider, "ledger.compliancerequest")


# -- chain: the mirror and the break desk ----------------------------------------------------------

def test_chain_the_desks_are_403_for_other_roles(client, login_verified, compliance_officer, outsider, operator):
    brk = BreakFactory()
    officer = login_verified(compliance_officer)
    assert officer.get(reverse("chain:mirror")).status_code == 403
    assert _error(_api(compliance_officer).get(reverse("chain-api:mirror"))) == (403, "permission_denied")
    assert _denied(compliance_officer, "chain.mirror")
    response = _api(outsider).post(reverse("chain-api:break-resolve", args=[brk.pk]), {"reason": "x"},
                                   content_type="application/json")
    assert _error(response) == (403, "permission_denied")
    assert _denied(outsider, "chain.break")
    missing = _api(operator).post(reverse("chain-api:break-resolve", args=[MISSING]), {"reason": "x"},
                                  content_type="application/json")
    assert _error(missing) == (404, "not_found")


# -- servicing: corporate actions and their desk ------------------------------------------------

def test_servicing_an_action_is_404_for_outsiders_and_403_for_officers_who_pay_it(
        client, login_verified, outsider, compliance_officer, issuer_admin, draft):
    from core.clock import business_today
    from servicing.models import CorporateAction

    today = business_today()
    action = CorporateAction.objects.create(security=draft.security, kind="coupon", sequence=1, currency="JPY",
                                            declaration_date=today, record_date=today, ex_date=today,
                                            payment_date=today)
    client.force_login(outsider)
    assert client.get(reverse("servicing:action", args=[action.pk])).status_code == 404
    assert _error(_api(outsider).get(f"/api/servicing/actions/{action.pk}/")) == (404, "not_found")
    assert _denied(outsider, "servicing.corporateaction")

    officer = _api(compliance_officer)
    assert officer.get(f"/api/servicing/actions/{action.pk}/").status_code == 200
    pay = officer.post(f"/api/servicing/actions/{action.pk}/pay/", {}, content_type="application/json")
    assert _error(pay) == (403, "permission_denied")
    missing = officer.post(f"/api/servicing/actions/{MISSING}/approve/", {}, content_type="application/json")
    assert _error(missing) == (404, "not_found")

    assert login_verified(issuer_admin).get(reverse("servicing:desk")).status_code == 403
    assert _denied(issuer_admin, "servicing.corporateaction")
