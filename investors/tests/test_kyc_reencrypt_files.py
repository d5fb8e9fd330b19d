"""manage.py kyc_reencrypt and the document files: key rotation, legacy plaintext files,
idempotence, and a file no key opens."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from investors import filecrypt
from investors.models import KycDocument
from investors.services import document_download, document_upload
from investors.tests.factories import PDF_BYTES, InvestorProfileFactory, KycDocumentFactory

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SCAN = PDF_BYTES + b"ROTATION TEST TK7654321\n" * 100


def _on_disk(document: KycDocument) -> bytes:
    document.refresh_from_db()
    with document.file.storage.open(document.file.name, "rb") as handle:
        return handle.read()


def _reencrypt() -> str:
    out = StringIO()
    call_command("kyc_reencrypt", stdout=out)
    return out.getvalue()


def test_rotation_old_files_still_download_then_move_to_the_new_key(settings, unverified_investor):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    document = document_upload(user=unverified_investor, kind="passport",
                               uploaded=SimpleUploadedFile("p.pdf", SCAN, content_type="application/pdf"),
                               actor=unverified_investor)
    old_name, under_old = document.file.name, _on_disk(document)

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # the new key goes first
    assert document_download(pk=document.pk, actor=unverified_investor).content == SCAN
    assert "0 legacy plaintext encrypted, 1 rotated to the first key, 0 already current" in _reencrypt()
    under_new = _on_disk(document)
    assert under_new != under_old and under_new.startswith(filecrypt.MAGIC) and SCAN not in under_new
    assert not document.file.storage.exists(old_name)  # the old-key copy is gone
    assert AuditEvent.objects.filter(action="kyc_document.reencrypted", object_id=str(document.pk)).exists()

    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key is dropped
    assert Fernet(NEW.encode()).decrypt(under_new[len(filecrypt.MAGIC):]) == SCAN
    assert document_download(pk=document.pk, actor=unverified_investor).content == SCAN


def test_a_legacy_plaintext_file_is_served_then_encrypted_once(settings):
    document = KycDocumentFactory(file=ContentFile(PDF_BYTES, name="upload"))
    owner, legacy_name = document.profile.user, document.file.name
    assert document_download(pk=document.pk, actor=owner).content == PDF_BYTES

    assert "1 legacy plaintext encrypted, 0 rotated to the first key, 0 already current" in _reencrypt()
    on_disk = _on_disk(document)
    assert on_disk.startswith(filecrypt.MAGIC) and PDF_BYTES not in on_disk
    assert not document.file.storage.exists(legacy_name)  # no plaintext copy left behind
    assert document_download(pk=document.pk, actor=owner).content == PDF_BYTES

    # Idempotent: a second run rewrites nothing.
    name = document.file.name
    assert "0 legacy plaintext encrypted, 0 rotated to the first key, 1 already current" in _reencrypt()
    assert _on_disk(document) == on_disk and document.file.name == name


def test_a_file_no_key_opens_is_reported_and_the_others_still_go(settings):
    profile = InvestorProfileFactory()
    lost = KycDocumentFactory(profile=profile,
                              file=ContentFile(filecrypt.MAGIC + Fernet(Fernet.generate_key()).encrypt(PDF_BYTES),
                                               name="upload"))
    legacy = KycDocumentFactory(profile=profile, file=ContentFile(PDF_BYTES, name="upload"))
    with pytest.raises(CommandError, match=f"documents {lost.pk}\\)"):
        _reencrypt()
    assert _on_disk(legacy).startswith(filecrypt.MAGIC)  # processed despite the failure
    assert document_download(pk=legacy.pk, actor=profile.user).content == PDF_BYTES


def test_reencrypt_skips_a_file_already_under_the_first_key():
    document = KycDocumentFactory()
    assert filecrypt.reencrypt(_on_disk(document)) is None
