"""An issuer admin applies (company data + KYB documents); compliance approves or rejects."""

import pytest
from django.core.files.base import ContentFile

from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent
from issuance.models import Issuer
from issuance.services import issuer_approve, issuer_document_add, issuer_reject, issuer_save, issuer_submit

DATA = {"legal_name": "Sakura Robotics K.K.", "registration_number": "0100-01-123456", "jurisdiction": "jp",
        "address": "1-1 Marunouchi, Tokyo", "representatives": "Sakura Taro\nSakura Hanako"}


def _pdf(name="articles.pdf"):
    f = ContentFile(b"%PDF-1.4 articles", name=name)
    f.content_type = "application/pdf"
    return f


@pytest.fixture
def submitted(issuer_org, issuer_admin):
    issuer = issuer_save(organization=issuer_org, actor=issuer_admin, **DATA)
    issuer_document_add(issuer=issuer, title="Articles of incorporation", upload=_pdf(), actor=issuer_admin)
    return issuer_submit(issuer=issuer, actor=issuer_admin)


def test_admin_applies_and_compliance_approves(submitted, compliance_officer):
    assert submitted.status == Issuer.Status.SUBMITTED and submitted.jurisdiction == "JP"
    assert submitted.representative_list() == ["Sakura Taro", "Sakura Hanako"]
    assert len(submitted.documents.get().sha256) == 64
    issuer = issuer_approve(issuer=submitted, actor=compliance_officer)
    assert issuer.status == Issuer.Status.APPROVED and issuer.decided_by == compliance_officer
    assert AuditEvent.objects.filter(action="issuer.approved", actor=compliance_officer).exists()


def test_compliance_rejects_with_a_reason_and_the_issuer_can_resubmit(submitted, compliance_officer, issuer_admin):
    issuer = issuer_reject(issuer=submitted, reason="Registration extract is older than 3 months",
                           actor=compliance_officer)
    assert issuer.status == Issuer.Status.REJECTED and "3 months" in issuer.decision_reason
    issuer_save(organization=issuer.organization, actor=issuer_admin, **{**DATA, "address": "2-2 Otemachi"})
    assert issuer_submit(issuer=issuer, actor=issuer_admin).status == Issuer.Status.SUBMITTED


def test_rejection_without_reason_is_refused(submitted, compliance_officer):
    with pytest.raises(ApplicationError) as err:
        issuer_reject(issuer=submitted, reason="  ", actor=compliance_officer)
    assert err.value.code == "required"
    submitted.refresh_from_db()
    assert submitted.status == Issuer.Status.SUBMITTED


def test_only_compliance_may_approve(submitted, issuer_admin, operator):
    for actor in (issuer_admin, operator):
        with pytest.raises(PermissionDeniedError):
            issuer_approve(issuer=submitted, actor=actor)
    submitted.refresh_from_db()
    assert submitted.status == Issuer.Status.SUBMITTED


def test_submitting_without_kyb_documents_is_refused(issuer_org, issuer_admin):
    issuer = issuer_save(organization=issuer_org, actor=issuer_admin, **DATA)
    with pytest.raises(ApplicationError) as err:
        issuer_submit(issuer=issuer, actor=issuer_admin)
    assert err.value.code == "kyb_documents_missing"


def test_bad_company_data_is_refused(issuer_org, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        issuer_save(organization=issuer_org, actor=issuer_admin, **{**DATA, "jurisdiction": "XX"})
    assert err.value.code == "unknown_country"
    with pytest.raises(ApplicationError) as err:
        issuer_save(organization=issuer_org, actor=issuer_admin, **{**DATA, "legal_name": ""})
    assert err.value.fields == {"legal_name": ["Legal name is required."]}
    assert not Issuer.objects.exists()


def test_a_submitted_application_cannot_be_edited(submitted, issuer_admin):
    with pytest.raises(ConflictError):
        issuer_save(organization=submitted.organization, actor=issuer_admin, **DATA)


def test_member_and_outsider_cannot_apply_for_the_organization(issuer_org, issuer_member, outsider):
    with pytest.raises(PermissionDeniedError):
        issuer_save(organization=issuer_org, actor=issuer_member, **DATA)
    with pytest.raises(NotFoundError):
        issuer_save(organization=issuer_org, actor=outsider, **DATA)
    assert not Issuer.objects.exists()


def test_approving_twice_is_refused(submitted, compliance_officer):
    issuer_approve(issuer=submitted, actor=compliance_officer)
    with pytest.raises(ConflictError):
        issuer_approve(issuer=submitted, actor=compliance_officer)
