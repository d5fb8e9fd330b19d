"""A body larger than its endpoint allows is refused before it is read (by Content-Length,
413 with the error body), and a multipart upload stops being read once its files pass the
limit (core.upload_limits)."""

from __future__ import annotations

import io

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from rest_framework.test import APIClient

from core.upload_limits import LimitedUploadHandler, PayloadTooLargeError
from investors.models import KycDocument
from investors.tests.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUNDARY = "BoUnDaRy"


def _multipart(size: int) -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\npassport\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n").encode()
    return head + PDF_BYTES + b"0" * (size - len(PDF_BYTES)) + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_300_mb_kyc_upload_is_refused_by_content_length_before_reading(unverified_investor):
    api = APIClient()
    api.force_authenticate(unverified_investor)
    # The body sent is small; Content-Length claims 300 MB. Reading it would fail (the test
    # client's payload refuses reads past its end), so a 413 shows nothing was read.
    r = api.generic("POST", "/api/investors/documents/", _multipart(1024),
                    content_type=f"multipart/form-data; boundary={BOUNDARY}", CONTENT_LENGTH=str(300 * MB))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "request_too_large" and r.json()["error"]["message"]
    assert not KycDocument.objects.exists()


def test_the_kyc_page_refuses_a_300_mb_upload_with_a_page(client, unverified_investor):
    client.force_login(unverified_investor)
    r = client.generic("POST", "/investors/documents/", _multipart(1024),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", CONTENT_LENGTH=str(300 * MB))
    assert r.status_code == 413 and b'data-error-code="request_too_large"' in r.content


def test_a_json_body_above_the_data_limit_is_refused_before_reading(settings, unverified_investor):
    api = APIClient()
    api.force_authenticate(unverified_investor)
    r = api.generic("PATCH", "/api/investors/profile/", b"{}", content_type="application/json",
                    CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_a_file_just_past_the_kyc_limit_is_stopped_while_reading(settings, unverified_investor):
    settings.KYC_DOCUMENT_MAX_BYTES = 4096  # the body (~6 KB) is within the multipart allowance
    api = APIClient()
    api.force_authenticate(unverified_investor)
    r = api.generic("POST", "/api/investors/documents/", _multipart(6000),
                    content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert not KycDocument.objects.exists()


def test_the_kyc_page_has_the_kyc_limit_too(settings, client, unverified_investor):
    settings.KYC_DOCUMENT_MAX_BYTES = 4096
    client.force_login(unverified_investor)
    r = client.generic("POST", "/investors/documents/", _multipart(6000),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert r.status_code == 413 and b'data-error-code="request_too_large"' in r.content
    assert not KycDocument.objects.exists()


def test_a_file_within_the_limit_goes_through(settings, unverified_investor):
    settings.KYC_DOCUMENT_MAX_BYTES = 8192
    api = APIClient()
    api.force_authenticate(unverified_investor)
    r = api.generic("POST", "/api/investors/documents/", _multipart(6000),
                    content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert r.status_code == 201, r.json()


class _CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_the_upload_handler_stops_reading_soon_after_the_limit():
    body = _multipart(20 * MB)
    stream = _CountingStream(body)
    request = RequestFactory().post("/")
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(len(body))}
    handlers = [LimitedUploadHandler(request, limit=MB), *request.upload_handlers]
    with pytest.raises(PayloadTooLargeError):
        MultiPartParser(meta, stream, handlers).parse()
    assert stream.consumed < 2 * MB  # not the 20 MB sent
