"""A KYC document declared as one type whose content is another (PNG bytes sent as a PDF) is
refused, as issuer documents are: the same content detection (core/uploads.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.errors import ApplicationError
from investors.models import KycDocument
from investors.services import document_upload
from investors.tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("content", "declared"), [(PNG_BYTES, "application/pdf"), (PDF_BYTES, "image/png"),
                                                   (JPEG_BYTES, "image/png"), (PDF_BYTES, "text/html")])
def test_the_service_refuses_a_declared_type_that_is_not_the_content(unverified_investor, content, declared):
    upload = SimpleUploadedFile("scan.pdf", content, content_type=declared)
    with pytest.raises(ApplicationError) as exc:
        document_upload(user=unverified_investor, kind="passport", uploaded=upload, actor=unverified_investor)
    assert exc.value.code == "file_type_mismatch" and "file" in exc.value.fields
    assert not KycDocument.objects.exists()


def test_the_api_answers_400_file_type_mismatch(unverified_investor):
    api = APIClient()
    api.force_authenticate(unverified_investor)
    r = api.post("/api/investors/documents/",
                 {"kind": "passport", "file": SimpleUploadedFile("id.pdf", PNG_BYTES, content_type="application/pdf")},
                 format="multipart")
    assert r.status_code == 400 and r.json()["error"]["code"] == "file_type_mismatch"
    assert not KycDocument.objects.exists()


@pytest.mark.parametrize("declared", ["image/png", "application/octet-stream", "", "image/PNG; charset=binary"])
def test_a_matching_or_undeclared_type_is_accepted(unverified_investor, declared):
    upload = SimpleUploadedFile("id.png", PNG_BYTES, content_type=declared)
    document = document_upload(user=unverified_investor, kind="passport", uploaded=upload, actor=unverified_investor)
    assert document.content_type == "image/png"
