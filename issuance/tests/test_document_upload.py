"""Issuer (KYB) and offering documents are accepted by their CONTENT: PDF, PNG and JPEG by
magic bytes, plain text when the whole file is UTF-8 without binary control characters. The
stored type is the detected one; a declared type that disagrees is refused; a refused upload
leaves no row and no file under ISSUANCE_DOCUMENT_ROOT. Checked through the services, the
issuer pages and the API."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ApplicationError
from investors.tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES
from issuance.models import Issuer, IssuerDocument, OfferingDocument
from issuance.services import issuer_document_add, offering_document_add

from .factories import IssuerFactory

ZIP_BYTES = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256))
EXE_BYTES = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
             + b"This program cannot be run in DOS mode.")
TEXT_BYTES = "\ufeffArticles of incorporation\r\n第1条\t商号は株式会社サクラロボティクスとする。\f\n".encode()
MISMATCH = "The file was sent as a PDF document, but its content is a PNG image. Check that you chose the right file."
NOT_ACCEPTED = ("Upload a PDF, PNG, JPEG or plain-text (UTF-8) file: files are checked by their content, "
                "not by their name.")


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def files_on_disk(settings) -> set[Path]:
    root = Path(settings.ISSUANCE_DOCUMENT_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def draft_issuer(issuer_org):
    return IssuerFactory(organization=issuer_org, status=Issuer.Status.DRAFT)


# --- through the services -----------------------------------------------------------------

REFUSED = [
    pytest.param("setup.pdf", EXE_BYTES, "application/pdf", "file_type", id="executable-renamed-pdf"),
    pytest.param("bundle.pdf", ZIP_BYTES, "application/pdf", "file_type", id="zip-renamed-pdf"),
    pytest.param("scan.pdf", PNG_BYTES, "application/pdf", "file_type_mismatch", id="png-declared-pdf"),
    pytest.param("memo.pdf", b"%PDF memorandum (no dash: not a PDF header)", "application/pdf", "file_type_mismatch",
                 id="text-declared-pdf"),
    pytest.param("notes.txt", b"\x00\x01\x02\x03binary", "text/plain", "file_type", id="nul-declared-text"),
    pytest.param("notes.txt", b"caf\xe9 latin-1, not UTF-8", "text/plain", "file_type",
                 id="invalid-utf8-declared-text"),
    pytest.param("notes.txt", b"colour \x1b[31mred\x1b[0m", "text/plain", "file_type", id="escape-declared-text"),
    pytest.param("notes.txt", b"a" * 300_000 + b"\x00", "text/plain", "file_type", id="nul-after-the-first-chunks"),
    pytest.param("notes.txt", b"ok" * 100_000 + "日".encode()[:2], "text/plain", "file_type",
                 id="truncated-last-character"),
    pytest.param("photo.png", JPEG_BYTES, "image/png", "file_type_mismatch", id="jpeg-declared-png"),
]


@pytest.mark.parametrize(("name", "content", "declared", "code"), REFUSED)
def test_offering_document_refused_by_content_leaves_nothing(settings, draft_offering, issuer_member, name, content,
                                                             declared, code):
    rows, files = OfferingDocument.objects.count(), files_on_disk(settings)
    with pytest.raises(ApplicationError) as err:
        offering_document_add(offering=draft_offering, kind="memorandum", upload=upload(name, content, declared),
                              actor=issuer_member)
    assert err.value.code == code and "file" in err.value.fields
    assert OfferingDocument.objects.count() == rows
    assert files_on_disk(settings) == files


@pytest.mark.parametrize(("name", "content", "declared", "code"), REFUSED[:3])
def test_issuer_document_refused_by_content_leaves_nothing(settings, draft_issuer, issuer_admin, name, content,
                                                           declared, code):
    with pytest.raises(ApplicationError) as err:
        issuer_document_add(issuer=draft_issuer, title="Articles", upload=upload(name, content, declared),
                            actor=issuer_admin)
    assert err.value.code == code and err.value.fields["file"]
    assert not IssuerDocument.objects.exists() and files_on_disk(settings) == set()


def test_mismatch_message_names_both_types(draft_offering, issuer_member):
    with pytest.raises(ApplicationError) as err:
        offering_document_add(offering=draft_offering, kind="memorandum",
                              upload=upload("scan.pdf", PNG_BYTES, "application/pdf"), actor=issuer_member)
    assert err.value.message == MISMATCH


@pytest.mark.parametrize(("name", "content", "declared", "detected", "suffix"), [
    ("memorandum.pdf", PDF_BYTES, "application/pdf", "application/pdf", ".pdf"),
    ("scan.png", PNG_BYTES, "image/png", "image/png", ".png"),
    ("photo.jpeg", JPEG_BYTES, "image/jpeg", "image/jpeg", ".jpg"),
    ("photo.jpg", JPEG_BYTES, "image/pjpeg", "image/jpeg", ".jpg"),             # an older browser's spelling
    ("articles.txt", TEXT_BYTES, "text/plain", "text/plain", ".txt"),          # BOM, Japanese, tab, CRLF, form feed
    ("articles.txt", b"plain ASCII\n", "text/plain; charset=utf-8", "text/plain", ".txt"),
    ("memorandum", PDF_BYTES, "application/octet-stream", "application/pdf", ".pdf"),  # the browser did not know
])
def test_offering_document_stored_with_the_detected_type(settings, draft_offering, issuer_member, name, content,
                                                         declared, detected, suffix):
    doc = offering_document_add(offering=draft_offering, kind="agreement", upload=upload(name, content, declared),
                                actor=issuer_member)
    doc.refresh_from_db()
    assert doc.content_type == detected and doc.size == len(content)
    assert doc.file_path.endswith(suffix)
    assert (Path(settings.ISSUANCE_DOCUMENT_ROOT) / doc.file_path).read_bytes() == content


def test_stored_suffix_and_download_name_follow_the_content_not_the_name(settings, draft_issuer, issuer_admin):
    doc = issuer_document_add(issuer=draft_issuer, title="Register extract",
                              upload=upload("extract.exe", PDF_BYTES, "application/octet-stream"), actor=issuer_admin)
    assert doc.content_type == "application/pdf"
    assert Path(doc.file_path).suffix == ".pdf" and doc.file_name == "extract.exe.pdf"
    assert [p.suffix for p in files_on_disk(settings)] == [".pdf"]


def test_size_and_empty_checks_keep_their_codes(draft_offering, issuer_member):
    with pytest.raises(ApplicationError) as err:
        offering_document_add(offering=draft_offering, kind="memorandum",
                              upload=upload("e.pdf", b"", "application/pdf"), actor=issuer_member)
    assert err.value.code == "empty_file"
    big = PDF_BYTES + b"0" * (20 * 1024 * 1024)
    with pytest.raises(ApplicationError) as err:
        offering_document_add(offering=draft_offering, kind="memorandum",
                              upload=upload("big.pdf", big, "application/pdf"), actor=issuer_member)
    assert err.value.code == "file_too_large"


# --- through HTTP: the issuer pages and the API -------------------------------------------

def test_issuer_page_shows_the_refusal_and_stores_nothing(settings, login_verified, issuer_admin, draft_issuer):
    client = login_verified(issuer_admin)
    response = client.post(reverse("issuance:issuer-document-add"),
                           {"title": "Articles", "file": upload("articles.pdf", EXE_BYTES, "application/pdf")},
                           follow=True)
    assert response.status_code == 200 and NOT_ACCEPTED in response.content.decode()
    assert not IssuerDocument.objects.exists() and files_on_disk(settings) == set()
    response = client.post(reverse("issuance:issuer-document-add"),
                           {"title": "Articles", "file": upload("articles.txt", TEXT_BYTES, "text/plain")}, follow=True)
    assert "Document added." in response.content.decode()
    assert IssuerDocument.objects.get().content_type == "text/plain"


def test_offering_page_shows_the_mismatch(settings, login_verified, issuer_admin, draft_offering):
    client = login_verified(issuer_admin)
    rows, files = draft_offering.documents.count(), files_on_disk(settings)
    response = client.post(reverse("issuance:offering-document-add", args=[draft_offering.pk]),
                           {"kind": "memorandum", "file": upload("scan.pdf", PNG_BYTES, "application/pdf")},
                           follow=True)
    assert MISMATCH in response.content.decode()
    assert draft_offering.documents.count() == rows and files_on_disk(settings) == files


@pytest.fixture
def api(issuer_member):
    client = APIClient()
    client.force_authenticate(issuer_member)
    return client


@pytest.mark.parametrize(("name", "content", "declared", "code"), [
    ("bundle.pdf", ZIP_BYTES, "application/pdf", "file_type"),
    ("scan.pdf", PNG_BYTES, "application/pdf", "file_type_mismatch"),
    ("notes.txt", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 32, "text/plain", "file_type"),
])
def test_api_refuses_with_the_code_and_stores_nothing(settings, api, draft_offering, name, content, declared, code):
    rows, files = OfferingDocument.objects.count(), files_on_disk(settings)
    r = api.post(f"/api/issuance/offerings/{draft_offering.pk}/documents/",
                 {"kind": "memorandum", "file": upload(name, content, declared)}, format="multipart")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code and r.json()["error"]["fields"]["file"]
    assert OfferingDocument.objects.count() == rows and files_on_disk(settings) == files


def test_api_stores_a_real_pdf_as_pdf(api, draft_offering):
    r = api.post(f"/api/issuance/offerings/{draft_offering.pk}/documents/",
                 {"kind": "agreement", "file": upload("agreement.pdf", PDF_BYTES, "application/pdf")},
                 format="multipart")
    assert r.status_code == 201, r.json()
    doc = OfferingDocument.objects.get(pk=r.json()["id"])
    assert doc.content_type == "application/pdf" and r.json()["file_name"] == "agreement.pdf"


# --- a failure after the file was stored ------------------------------------------------------

def _failing_audit(**_):
    raise RuntimeError("audit insert failed")


def test_an_issuer_document_whose_audit_fails_leaves_no_orphan_file(settings, monkeypatch, draft_issuer, issuer_admin):
    """Fault injection: the audit insert fails after the file was written; the transaction
    rolls back and the file is deleted again."""
    monkeypatch.setattr("issuance.services.issuers.audit_record", _failing_audit)

    with pytest.raises(RuntimeError):
        issuer_document_add(issuer=draft_issuer, title="Articles", upload=upload("a.pdf", PDF_BYTES, "application/pdf"),
                            actor=issuer_admin)

    assert not IssuerDocument.objects.exists() and files_on_disk(settings) == set()


def test_an_offering_document_whose_audit_fails_leaves_no_orphan_file(settings, monkeypatch, draft_offering,
                                                                      issuer_member):
    monkeypatch.setattr("issuance.services.offerings.audit_record", _failing_audit)
    rows, before = OfferingDocument.objects.count(), files_on_disk(settings)

    with pytest.raises(RuntimeError):
        offering_document_add(offering=draft_offering, kind="memorandum",
                              upload=upload("m.pdf", PDF_BYTES, "application/pdf"), actor=issuer_member)

    assert OfferingDocument.objects.count() == rows and files_on_disk(settings) == before


def test_an_issuer_document_title_longer_than_its_column_is_refused(settings, draft_issuer, issuer_admin):
    with pytest.raises(ApplicationError) as err:
        issuer_document_add(issuer=draft_issuer, title="T" * 201, upload=upload("a.pdf", PDF_BYTES, "application/pdf"),
                            actor=issuer_admin)
    assert err.value.code == "title_too_long" and err.value.fields["title"]
    assert not IssuerDocument.objects.exists() and files_on_disk(settings) == set()
