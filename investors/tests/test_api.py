"""The investors API: same services, JSON errors {"error": {code, message, fields}}."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from investors.models import Wallet
from investors.tests.factories import PDF_BYTES, key_for, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_profile_get_and_patch(api, unverified_investor):
    api.force_authenticate(unverified_investor)
    assert api.get("/api/investors/profile/").json()["kyc_status"] == "draft"
    response = api.patch("/api/investors/profile/",
                         {"legal_name": "Aiko", "birth_date": "1990-01-02", "residence_country": "JP"}, format="json")
    assert response.status_code == 200 and response.json()["birth_date"] == "1990-01-02"
    assert "Upload an identity document." in response.json()["missing"]


@pytest.mark.parametrize(("payload", "field"), [({"birth_date": "02/01/1990"}, "birth_date"),
                                                ({"residence_country": "ZZ"}, "residence_country")])
def test_profile_bad_input(api, unverified_investor, payload, field):
    api.force_authenticate(unverified_investor)
    response = api.patch("/api/investors/profile/", payload, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid_profile" and field in body["fields"]


def test_document_upload_and_download(api, unverified_investor, outsider):
    api.force_authenticate(unverified_investor)
    response = api.post("/api/investors/documents/",
                        {"kind": "passport",
                         "file": SimpleUploadedFile("p.pdf", PDF_BYTES, content_type="application/pdf")},
                        format="multipart")
    assert response.status_code == 201
    doc_id = response.json()["id"]
    assert len(api.get("/api/investors/documents/").json()["results"]) == 1
    download = api.get(f"/api/investors/documents/{doc_id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    api.force_authenticate(outsider)
    assert api.get(f"/api/investors/documents/{doc_id}/").json()["error"]["code"] == "not_found"


def test_document_upload_refuses_a_disguised_file(api, unverified_investor):
    api.force_authenticate(unverified_investor)
    response = api.post("/api/investors/documents/",
                        {"kind": "passport", "file": SimpleUploadedFile("p.pdf", b"#!/bin/sh\n")}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["code"] == "file_type_refused"


def test_wallet_challenge_verify_remove(api, unverified_investor):
    from eth_account import Account

    key = key_for(77)
    api.force_authenticate(unverified_investor)
    challenge = api.post("/api/investors/wallets/challenge/", {"address": Account.from_key(key).address},
                         format="json").json()
    bad = api.post("/api/investors/wallets/verify/",
                   {"challenge": challenge["id"], "signature": sign(challenge["message"], key_for(78))}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "signature_mismatch"
    ok = api.post("/api/investors/wallets/verify/",
                  {"challenge": challenge["id"], "signature": sign(challenge["message"], key)}, format="json")
    assert ok.status_code == 201
    replay = api.post("/api/investors/wallets/verify/",
                      {"challenge": challenge["id"], "signature": sign(challenge["message"], key)}, format="json")
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "challenge_used"
    wallet_id = ok.json()["id"]
    assert [w["id"] for w in api.get("/api/investors/wallets/").json()["results"]] == [wallet_id]
    assert api.delete(f"/api/investors/wallets/{wallet_id}/").status_code == 204
    assert Wallet.objects.get(pk=wallet_id).status == "removed"


def test_another_investors_wallet_is_404(api, verified_investor, outsider):
    wallet = Wallet.objects.get(profile__user=verified_investor)
    api.force_authenticate(outsider)
    assert api.delete(f"/api/investors/wallets/{wallet.pk}/").status_code == 404


def test_anonymous_is_refused(api):
    assert api.get("/api/investors/profile/").status_code in (401, 403)


def test_schema_lists_the_endpoints(api, operator):
    api.force_authenticate(operator)
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/investors/profile/", "/api/investors/wallets/challenge/", "/api/investors/wallets/verify/",
                 "/api/investors/documents/", "/api/compliance/kyc/submit/", "/api/compliance/reviews/{id}/approve/"):
        assert path in schema
