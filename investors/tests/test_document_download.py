"""KYC documents are encrypted on disk and come back as the uploaded bytes (page and API);
legacy plaintext files are still served; a file nobody can open is a clear, logged error."""

import hashlib
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from investors import filecrypt
from investors.models import KycDocument
from investors.services import DocumentUnreadableError, document_download, document_upload
from investors.tests.factories import PDF_BYTES, PNG_BYTES, KycDocumentFactory

pytestmark = pytest.mark.django_db

# A recognisable "passport scan": if it is on disk in clear, the test sees it.
SCAN = PDF_BYTES + b"PASSPORT TK1234567 YAMADA HANAKO 1985-04-12\n" * 2000


def _on_disk(document: KycDocument) -> bytes:
    with open(document.file.path, "rb") as handle:
        return handle.read()


def _page(client, document: KycDocument):
    return client.get(reverse("investors:document-download", args=[document.pk]))


def test_page_upload_is_encrypted_on_disk_and_the_owner_gets_the_same_bytes(client, unverified_investor):
    client.force_login(unverified_investor)
    response = client.post(reverse("investors:document-upload"),
                           {"doc-kind": "passport",
                            "doc-file": SimpleUploadedFile("scan.pdf", SCAN, content_type="application/pdf")})
    assert response.status_code == 302
    document = KycDocument.objects.get()
    on_disk = _on_disk(document)
    assert on_disk != SCAN and SCAN not in on_disk and b"TK1234567" not in on_disk and b"%PDF" not in on_disk
    assert on_disk.startswith(filecrypt.MAGIC)
    assert document.size == len(SCAN) and document.sha256 == hashlib.sha256(SCAN).hexdigest()
    download = _page(client, document)
    assert download.status_code == 200 and b"".join(download.streaming_content) == SCAN
    assert download["Content-Type"] == "application/pdf" and download["Content-Length"] == str(len(SCAN))
    assert 'filename="scan.pdf"' in download["Content-Disposition"] and download["Cache-Control"] == "private, no-store"


def test_api_upload_and_download_round_trip(unverified_investor):
    api = APIClient()
    api.force_authenticate(unverified_investor)
    response = api.post("/api/investors/documents/",
                        {"kind": "id_card", "file": SimpleUploadedFile("id.png", PNG_BYTES, content_type="image/png")},
                        format="multipart")
    assert response.status_code == 201
    document = KycDocument.objects.get(pk=response.json()["id"])
    assert PNG_BYTES not in _on_disk(document)
    download = api.get(f"/api/investors/documents/{document.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG_BYTES


def test_officer_reads_the_plaintext_too(compliance_officer):
    document = KycDocumentFactory()
    assert document_download(pk=document.pk, actor=compliance_officer).content == PDF_BYTES


def test_a_document_at_the_size_limit_round_trips(unverified_investor, settings):
    big = PDF_BYTES + b"\x00" * (settings.KYC_DOCUMENT_MAX_BYTES - len(PDF_BYTES))
    document = document_upload(user=unverified_investor, kind="passport",
                               uploaded=SimpleUploadedFile("big.pdf", big, content_type="application/pdf"),
                               actor=unverified_investor)
    assert document.size == settings.KYC_DOCUMENT_MAX_BYTES
    assert document_download(pk=document.pk, actor=unverified_investor).content == big


def test_a_legacy_plaintext_file_is_still_served(client):
    document = KycDocumentFactory(file=ContentFile(PDF_BYTES, name="upload"))
    assert _on_disk(document) == PDF_BYTES  # as earlier versions stored it
    client.force_login(document.profile.user)
    response = _page(client, document)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    api = APIClient()
    api.force_authenticate(document.profile.user)
    assert b"".join(api.get(f"/api/investors/documents/{document.pk}/").streaming_content) == PDF_BYTES


def _flip_a_byte(document: KycDocument) -> None:
    data = bytearray(_on_disk(document))
    middle = len(data) // 2
    data[middle] = ord("A") if data[middle] != ord("A") else ord("B")
    with open(document.file.path, "wb") as handle:
        handle.write(bytes(data))


def _truncate(document: KycDocument) -> None:
    with open(document.file.path, "wb") as handle:
        handle.write(filecrypt.MAGIC + b"gAAAAAB")  # the marker, then a cut-off token


def _under_an_unknown_key(document: KycDocument) -> None:
    with open(document.file.path, "wb") as handle:
        handle.write(filecrypt.MAGIC + Fernet(Fernet.generate_key()).encrypt(PDF_BYTES))


def _swapped_with_another_document(document: KycDocument) -> None:
    with open(document.file.path, "wb") as handle:
        handle.write(filecrypt.encrypt(PNG_BYTES))  # decrypts, but is not this document


def _removed(document: KycDocument) -> None:
    document.file.storage.delete(document.file.name)


@pytest.mark.parametrize("damage", [_flip_a_byte, _truncate, _under_an_unknown_key, _swapped_with_another_document,
                                    _removed])
def test_a_damaged_file_is_a_clear_logged_error(client, caplog, damage):
    document = KycDocumentFactory()
    damage(document)
    owner = document.profile.user
    client.force_login(owner)
    with caplog.at_level(logging.ERROR, logger="investors.services"):
        response = _page(client, document)
    page = response.content.decode()
    assert response.status_code == 500 and 'data-error-code="document_unreadable"' in page
    assert "This document cannot be opened." in page and "Traceback" not in page and "Fernet" not in page
    assert any(r.name == "investors.services" and f"KYC document {document.pk}" in r.getMessage()
               for r in caplog.records)
    assert AuditEvent.objects.filter(action="kyc_document.unreadable", object_id=str(document.pk), actor=owner).exists()

    api = APIClient()
    api.force_authenticate(owner)
    body = api.get(f"/api/investors/documents/{document.pk}/")
    assert body.status_code == 500 and body.json()["error"]["code"] == "document_unreadable"
    assert "Traceback" not in body.content.decode()


def test_the_service_raises_the_projects_error(unverified_investor):
    document = KycDocumentFactory()
    _flip_a_byte(document)
    with pytest.raises(DocumentUnreadableError) as exc:
        document_download(pk=document.pk, actor=document.profile.user)
    assert exc.value.status == 500 and exc.value.code == "document_unreadable"


def test_the_error_page_is_in_japanese(client):
    document = KycDocumentFactory()
    _flip_a_byte(document)
    client.force_login(document.profile.user)
    client.cookies["django_language"] = "ja"
    page = _page(client, document).content.decode()
    assert "この書類を開けません。" in page
