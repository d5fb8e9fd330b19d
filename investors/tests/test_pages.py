"""The investor pages: thin views over the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from investors.models import InvestorProfile, KycDocument, Wallet, WalletChallenge
from investors.tests.factories import PDF_BYTES, KycDocumentFactory, key_for, sign

pytestmark = pytest.mark.django_db


def test_profile_page_shows_status_and_what_is_missing(client, unverified_investor):
    client.force_login(unverified_investor)
    page = client.get(reverse("investors:profile")).content.decode()
    assert 'data-testid="kyc-status"' in page and "Not submitted" in page and "Upload an identity document." in page


def test_profile_form_saves_and_bad_date_is_shown(client, unverified_investor):
    client.force_login(unverified_investor)
    response = client.post(reverse("investors:profile"),
                           {"kind": "individual", "legal_name": "Aiko", "birth_date": "2001-13-01"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    assert not InvestorProfile.objects.filter(user=unverified_investor).exists()
    response = client.post(reverse("investors:profile"), {"kind": "individual", "legal_name": "Aiko",
                                                          "birth_date": "2001-12-01", "residence_country": "JP"})
    assert response.status_code == 302
    assert InvestorProfile.objects.get(user=unverified_investor).legal_name == "Aiko"


def test_verified_investor_sees_verified(client, verified_investor):
    client.force_login(verified_investor)
    page = client.get(reverse("investors:profile")).content.decode()
    assert 'data-status="approved">Verified<' in page


def test_upload_page_refuses_a_disguised_file(client, unverified_investor):
    client.force_login(unverified_investor)
    response = client.post(reverse("investors:document-upload"),
                           {"doc-kind": "passport", "doc-file": SimpleUploadedFile("x.pdf", b"GIF89a...")})
    assert response.status_code == 400 and "Only PDF, JPEG and PNG" in response.content.decode()
    response = client.post(reverse("investors:document-upload"),
                           {"doc-kind": "passport",
                            "doc-file": SimpleUploadedFile("x.pdf", PDF_BYTES, content_type="application/pdf")})
    assert response.status_code == 302 and KycDocument.objects.count() == 1


def test_document_download_for_owner_404_for_others(client, outsider):
    document = KycDocumentFactory()
    client.force_login(document.profile.user)
    response = client.get(reverse("investors:document-download", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    client.force_login(outsider)
    assert client.get(reverse("investors:document-download", args=[document.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="access_denied", actor=outsider).exists()


def test_media_is_not_served_by_any_url(client):
    document = KycDocumentFactory()
    assert client.get("/media/" + document.file.name).status_code == 404
    assert client.get("/" + document.file.name).status_code == 404


def test_wallet_pages_challenge_then_verify(client, unverified_investor):
    from eth_account import Account

    key = key_for(4242)
    client.force_login(unverified_investor)
    response = client.post(reverse("investors:wallet-challenge"), {"address": Account.from_key(key).address})
    assert response.status_code == 302
    challenge = WalletChallenge.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert challenge.nonce in page and "Sign with browser wallet" in page
    bad = client.post(reverse("investors:wallet-verify"),
                      {"challenge": challenge.pk, "signature": sign(challenge.message, key_for(1))})
    assert bad.status_code == 400 and "another wallet" in bad.content.decode()
    ok = client.post(reverse("investors:wallet-verify"),
                     {"challenge": challenge.pk, "signature": sign(challenge.message, key)})
    assert ok.status_code == 302 and Wallet.objects.filter(profile__user=unverified_investor).count() == 1
    wallet = Wallet.objects.get()
    assert client.post(reverse("investors:wallet-remove", args=[wallet.pk])).status_code == 302
    assert Wallet.objects.get().status == Wallet.Status.REMOVED


def test_bad_address_on_the_page(client, unverified_investor):
    client.force_login(unverified_investor)
    response = client.post(reverse("investors:wallet-challenge"), {"address": "0xnope"})
    assert response.status_code == 400 and "0x followed by 40" in response.content.decode()


def test_pages_need_sign_in(client):
    assert client.get(reverse("investors:profile")).status_code == 302


def test_an_accepted_kyc_document_is_never_spooled_to_disk_in_plaintext(client, unverified_investor, monkeypatch,
                                                                         settings):
    """Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file before the
    view runs; the setting sits above the KYC limit, so a document we accept stays in memory
    until it is written encrypted."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    spooled = []
    original = TemporaryUploadedFile.__init__

    def spy(self, *args, **kwargs):
        spooled.append(args[0] if args else kwargs.get("name"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", spy)
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE > settings.KYC_DOCUMENT_MAX_BYTES
    near_limit = PDF_BYTES + b"0" * (settings.KYC_DOCUMENT_MAX_BYTES - len(PDF_BYTES) - 1024)
    client.force_login(unverified_investor)

    response = client.post(reverse("investors:document-upload"),
                           {"doc-kind": "passport",
                            "doc-file": SimpleUploadedFile("scan.pdf", near_limit, content_type="application/pdf")})

    assert response.status_code == 302 and KycDocument.objects.count() == 1
    assert spooled == []
