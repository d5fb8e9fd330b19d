"""Every refused access leaves exactly one `access_denied` audit event, wherever it is refused.

A refusal inside a service's transaction (policy_ensure, or access_deny there) rolls back
everything the service wrote, so its event travels on the error and the edge that answers
records it: the API's error handler, a page button's message, a form's error, the error page.
Refusals outside a transaction (selectors, desk gates) are recorded at once, and only once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.helpers import api_token_for
from core.models import AuditEvent
from issuance.models import Offering

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("documents_in_tmp")]


def _denials(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="access_denied", actor=user))


def test_a_service_refusal_in_the_api_is_recorded_once_and_changes_nothing(compliance_officer, draft):
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_for(compliance_officer)}")
    response = api.post(f"/api/issuance/offerings/{draft.pk}/publish/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    denials = _denials(compliance_officer)
    assert len(denials) == 1
    draft.refresh_from_db()
    assert draft.status == Offering.Status.DRAFT


def test_a_service_refusal_behind_a_page_button_is_recorded_once(client, issuer_member, draft):
    client.force_login(issuer_member)
    response = client.post(reverse("issuance:offering-action", args=[draft.pk, "publish"]), {})
    assert response.status_code == 302                                   # back to the page, with the refusal
    assert len(_denials(issuer_member)) == 1
    draft.refresh_from_db()
    assert draft.status == Offering.Status.DRAFT


def test_a_refusal_outside_a_transaction_is_recorded_once_not_again_at_the_edge(outsider, draft):
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_for(outsider)}")
    response = api.post(f"/api/issuance/offerings/{draft.pk}/publish/", {}, content_type="application/json")
    assert response.status_code == 404
    assert [event.object_type for event in _denials(outsider)] == ["issuance.offering"]


def test_a_permitted_action_records_no_refusal(client, login_verified, issuer_admin, draft):
    admin = login_verified(issuer_admin)
    admin.post(reverse("issuance:offering-action", args=[draft.pk, "publish"]), {})
    assert _denials(issuer_admin) == []
