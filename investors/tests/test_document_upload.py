import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ApplicationError, NotFoundError
from core.models import AuditEvent
from investors import filecrypt
from investors.models import KycDocument
from investors.services import document_open, document_upload
from investors.tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("content", "content_type"), [(PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png"),
                                                       (JPEG_BYTES, "image/jpeg")])
def test_investor_uploads_a_document_checked_by_content(unverified_investor, settings, content, content_type):
    upload = SimpleUploadedFile("scan.bin", content, content_type="application/octet-stream")
    document = document_upload(user=unverified_investor, kind="passport", uploaded=upload, actor=unverified_investor)
    assert document.content_type == content_type
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    path = document.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and "scan" not in path
    with open(path, "rb") as handle:
        on_disk = handle.read()
    assert on_disk.startswith(filecrypt.MAGIC) and content not in on_disk
    assert document.size == len(content) and filecrypt.decrypt(on_disk) == content
    assert AuditEvent.objects.filter(action="kyc_document.uploaded", object_id=str(document.pk)).exists()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [("evil.pdf", b"<html><script>alert(1)</script>", "file_type_refused"),
     ("payload.png", b"MZ\x90\x00 windows exe", "file_type_refused"),
     ("empty.pdf", b"", "file_empty")],
)
def test_disguised_or_empty_files_are_refused(unverified_investor, name, content, code):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        document_upload(user=unverified_investor, kind="passport", uploaded=upload, actor=unverified_investor)
    assert exc.value.code == code
    assert not KycDocument.objects.exists()


def test_oversize_file_is_refused(unverified_investor, settings):
    settings.KYC_DOCUMENT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048, content_type="application/pdf")
    with pytest.raises(ApplicationError) as exc:
        document_upload(user=unverified_investor, kind="passport", uploaded=upload, actor=unverified_investor)
    assert exc.value.code == "file_too_large"
    assert not KycDocument.objects.exists()


def test_unknown_document_kind_is_refused(unverified_investor):
    with pytest.raises(ApplicationError) as exc:
        document_upload(user=unverified_investor, kind="selfie",
                        uploaded=SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
                        actor=unverified_investor)
    assert exc.value.code == "invalid_document_kind"


def test_owner_and_officer_open_a_document_and_it_is_audited(compliance_officer):
    document = KycDocumentFactory()
    owner = document.profile.user
    assert document_open(pk=document.pk, actor=owner) == document
    assert document_open(pk=document.pk, actor=compliance_officer) == document
    assert AuditEvent.objects.filter(action="kyc_document.viewed", object_id=str(document.pk)).count() == 2


def test_another_investor_gets_404_and_an_access_denied_event(outsider):
    document = KycDocumentFactory(profile=InvestorProfileFactory())
    with pytest.raises(NotFoundError):
        document_open(pk=document.pk, actor=outsider)
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider, object_id=str(document.pk)).exists()
