"""Writes for investors: the KYC profile, documents, wallet proof. Each use case owns its
transaction and writes its audit event; the chain follows through the outbox.

(Submitting for review screens against the sanctions list, so it lives one app up:
compliance.services.kyc_submit.)
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_deny, investor_self_ensure, sees_investor
from accounts.models import User
from accounts.policy import Refusal
from core import countries
from core.audit import audit_record
from core.clock import business_today
from core.errors import ApplicationError, ConflictError
from core.lifecycle import transition

from . import documents, filecrypt, registry, wallet_proof
from .models import InvestorProfile, KycDocument, Wallet, WalletChallenge

logger = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "kind", "legal_name", "birth_date", "identity_number", "address", "beneficial_owners",
    "nationality", "residence_country", "tax_residency", "investor_status", "status_basis",
)
PII_FIELDS = {"birth_date", "identity_number", "address", "beneficial_owners"}
COUNTRY_FIELDS = ("nationality", "residence_country", "tax_residency")


def profile_get_or_create(*, user: User) -> InvestorProfile:
    """Inside a use case's transaction: the user's profile, locked."""
    profile, _created = InvestorProfile.objects.select_for_update().get_or_create(user=user)
    return profile


def _clean_profile(data: dict) -> tuple[dict, dict]:
    cleaned, errors = {}, {}
    for name in PROFILE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        value = value.strip() if isinstance(value, str) else value
        if name == "birth_date":
            if value in (None, ""):
                value = None
            elif not isinstance(value, date):
                try:
                    value = date.fromisoformat(str(value))
                except ValueError:
                    errors[name] = [_("Enter a valid date (YYYY-MM-DD).")]
                    continue
            if value is not None and not (date(1900, 1, 1) <= value <= business_today()):
                errors[name] = [_("The date must be in the past and after 1900.")]
                continue
        elif name in COUNTRY_FIELDS:
            if value:
                try:
                    value = countries.normalize(value)
                except ApplicationError:
                    errors[name] = [_("Unknown country.")]
                    continue
            else:
                value = ""
        elif name == "kind" and value not in InvestorProfile.Kind.values:
            errors[name] = [_("Choose individual or entity.")]
            continue
        elif name == "investor_status" and value not in ("", *InvestorProfile.InvestorStatus.values):
            errors[name] = [_("Choose an investor status.")]
            continue
        elif value is None:
            value = ""
        cleaned[name] = value
    return cleaned, errors


def profile_update(*, user: User, data: dict, actor: User) -> InvestorProfile:
    """Save the investor's KYC profile (partial updates allowed). Only while it is not in
    review or approved: a change to an approved profile goes through a new review."""
    investor_self_ensure(actor, user=user)
    cleaned, errors = _clean_profile(data)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, code="invalid_profile", fields=errors)
    with transaction.atomic(durable=True):
        profile = profile_get_or_create(user=user)
        if not profile.editable:
            raise ConflictError(_("Your profile is in review or verified and cannot be changed now."),
                                code="profile_locked")
        changed = [name for name, value in cleaned.items() if getattr(profile, name) != value]
        for name in changed:
            setattr(profile, name, cleaned[name])
        if changed:
            profile.save()
            audit_record(
                action="investor_profile.updated", actor=actor, obj=profile,
                # Personal data never goes into the audit trail in clear: only which fields changed.
                new={name: ("(encrypted)" if name in PII_FIELDS else cleaned[name]) for name in changed},
            )
    return profile


def document_upload(*, user: User, kind: str, uploaded, actor: User) -> KycDocument:
    investor_self_ensure(actor, user=user)
    if kind not in KycDocument.Kind.values:
        raise ApplicationError(_("Choose the kind of document."), code="invalid_document_kind",
                               fields={"kind": [_("Choose the kind of document.")]})
    content_type, size, sha256 = documents.inspect_upload(uploaded)
    # Encrypted before anything reaches MEDIA_ROOT; size and sha256 stay the plaintext's.
    uploaded.seek(0)
    stored = filecrypt.encrypt(uploaded.read())
    uploaded.seek(0)
    with transaction.atomic(durable=True):
        profile = profile_get_or_create(user=user)
        if not profile.editable:
            raise ConflictError(_("Your profile is in review or verified and cannot be changed now."),
                                code="profile_locked")
        name = (getattr(uploaded, "name", "") or "document")[-200:]
        document = KycDocument(
            profile=profile, kind=kind, original_name=name, content_type=content_type,
            size=size, sha256=sha256, uploaded_by=actor,
        )
        document.file.save("upload", ContentFile(stored), save=False)
        try:
            document.save()
            audit_record(
                action="kyc_document.uploaded", actor=actor, obj=document,
                new={"kind": kind, "sha256": sha256, "size": size, "content_type": content_type},
            )
        except Exception:
            document.file.delete(save=False)
            raise
    return document


def document_open(*, pk: int, actor: User) -> KycDocument:
    """A document for its owner or a compliance officer; the view is audited. Anyone else
    gets 404 and an access_denied event."""
    document = KycDocument.objects.select_related("profile").filter(pk=pk).first()
    if document is None or not sees_investor(actor, document.profile.user_id):
        access_deny(actor, object_type="investors.kycdocument", object_id=pk, message=_("No such document."))
    with transaction.atomic(durable=True):
        audit_record(action="kyc_document.viewed", actor=actor, obj=document, new={"sha256": document.sha256})
    return document


class DocumentUnreadableError(ApplicationError):
    """A stored document that cannot be given back: our fault, not the user's (500), said
    plainly; the cause goes to the log and the audit trail, never to the user."""

    status = 500
    default_code = "document_unreadable"


@dataclass(frozen=True)
class DocumentContent:
    document: KycDocument
    content: bytes  # the original bytes, as uploaded


def _read_stored(document: KycDocument) -> bytes:
    storage = document.file.storage
    try:
        with storage.open(document.file.name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        # kyc_reencrypt may have just moved it to a new name (and removed the old one).
        name = KycDocument.objects.filter(pk=document.pk).values_list("file", flat=True).first()
        if not name or name == document.file.name:
            raise
        document.file.name = name
        with storage.open(name, "rb") as handle:
            return handle.read()


def document_download(*, pk: int, actor: User) -> DocumentContent:
    """The original bytes of a document for its owner or a compliance officer (checked and
    audited by document_open). Encrypted files are decrypted with any configured key; legacy
    plaintext files are served as they are. Either way the bytes must match the size and
    SHA-256 recorded at upload, else: logged, audited, DocumentUnreadableError."""
    document = document_open(pk=pk, actor=actor)
    try:
        content = filecrypt.decrypt(_read_stored(document))
    except filecrypt.UnreadableFile as exc:
        reason = str(exc)
    except OSError as exc:
        reason = f"cannot read the stored file ({type(exc).__name__})"
    else:
        if len(content) == document.size and hashlib.sha256(content).hexdigest() == document.sha256:
            return DocumentContent(document=document, content=content)
        reason = "the content does not match the recorded size and SHA-256"
    logger.error("KYC document %s (file %s) cannot be served: %s", document.pk, document.file.name, reason)
    with transaction.atomic(durable=True):
        audit_record(action="kyc_document.unreadable", actor=actor, obj=document, new={"reason": reason})
    raise DocumentUnreadableError(_("This document cannot be opened. The problem was logged; please contact support."))


def _document_file_reencrypt(pk: int) -> str:
    """One document's file under the first key: "encrypted" (was legacy plaintext),
    "rotated" (was under an older key), "current" (left alone), "failed" (logged) or
    "gone" (the row vanished meanwhile).
    The new bytes go to a new name, the row moves to it under a row lock, and the old file
    is removed only once that is committed: a crash leaves at worst an orphan, never a row
    without its file."""
    with transaction.atomic(durable=True):
        document = KycDocument.objects.select_for_update().filter(pk=pk).first()
        if document is None:
            return "gone"
        old_name = document.file.name
        try:
            stored = _read_stored(document)
            rewritten = filecrypt.reencrypt(stored)
        except (OSError, filecrypt.UnreadableFile) as exc:
            logger.error("KYC document %s (file %s) cannot be re-encrypted: %s", pk, old_name, exc)
            return "failed"
        if rewritten is None:
            return "current"
        outcome = "rotated" if filecrypt.is_encrypted(stored) else "encrypted"
        document.file.save("upload", ContentFile(rewritten), save=False)
        try:
            document.save(update_fields=["file"])
            audit_record(action="kyc_document.reencrypted", obj=document,
                         new={"outcome": outcome, "sha256": document.sha256})
        except Exception:
            document.file.delete(save=False)
            raise
    try:
        document.file.storage.delete(old_name)
    except OSError:
        logger.error("KYC document %s: the replaced file %s could not be removed; remove it by hand", pk, old_name)
    return outcome


def document_files_reencrypt() -> dict[str, list[int]]:
    """Rewrite every KYC document file under the first key of FIELD_ENCRYPTION_KEYS:
    legacy plaintext files are encrypted, files under an older key rotated, files already
    under the first key left untouched (idempotent). One short transaction per document;
    a file no key opens is logged and listed under "failed", and the others still go on.
    Returns the document ids by outcome."""
    outcomes: dict[str, list[int]] = {"encrypted": [], "rotated": [], "current": [], "failed": []}
    for pk in list(KycDocument.objects.order_by("pk").values_list("pk", flat=True)):
        outcomes.setdefault(_document_file_reencrypt(pk), []).append(pk)
    return outcomes


def wallet_challenge_create(*, address: str, actor: User) -> WalletChallenge:
    investor_self_ensure(actor)
    checksummed = wallet_proof.checksum(address)
    if checksummed is None:
        message = _("Enter a wallet address: 0x followed by 40 hexadecimal characters.")
        raise ApplicationError(message, code="invalid_address", fields={"address": [message]})
    now = timezone.now().replace(microsecond=0)
    expires_at = now + timedelta(seconds=settings.WALLET_CHALLENGE_TTL_SECONDS)
    nonce = secrets.token_hex(16)
    with transaction.atomic(durable=True):
        challenge = WalletChallenge.objects.create(
            user=actor, address=checksummed, nonce=nonce, expires_at=expires_at,
            message=wallet_proof.challenge_message(
                address=checksummed, account=actor.email, nonce=nonce, issued_at=now, expires_at=expires_at,
            ),
        )
        audit_record(action="wallet_challenge.created", actor=actor, obj=challenge, new={"address": checksummed})
    return challenge


def wallet_verify(*, challenge_id: int, signature: str, actor: User) -> Wallet:
    """Accept a wallet once its owner signed our challenge. A wrong signer, an expired or a
    used challenge is refused and changes nothing."""
    investor_self_ensure(actor)
    if not WalletChallenge.objects.filter(pk=challenge_id, user=actor).exists():
        access_deny(actor, object_type="investors.walletchallenge", object_id=challenge_id,
                    refusal=Refusal(404, "challenge_not_found", _("No such wallet challenge.")))
    with transaction.atomic(durable=True):
        challenge = WalletChallenge.objects.select_for_update().get(pk=challenge_id)
        if challenge.used_at is not None:
            raise ConflictError(_("This challenge was already used. Ask for a new one."), code="challenge_used")
        if challenge.expires_at <= timezone.now():
            raise ApplicationError(_("This challenge has expired. Ask for a new one."), code="challenge_expired")
        signer = wallet_proof.recover_signer(challenge.message, signature)
        if signer is None:
            message = _("The signature is not valid.")
            raise ApplicationError(message, code="invalid_signature", fields={"signature": [message]})
        if signer != challenge.address:
            message = _("The signature was made by another wallet (%(signer)s).") % {"signer": signer}
            raise ApplicationError(message, code="signature_mismatch", fields={"signature": [message]})
        profile = profile_get_or_create(user=actor)
        other = Wallet.objects.filter(address=challenge.address).exclude(profile=profile).exists()
        if other:
            raise ConflictError(_("This wallet belongs to another investor."), code="wallet_taken")
        if profile.wallets.filter(address=challenge.address, status=Wallet.Status.ACTIVE).exists():
            raise ConflictError(_("This wallet is already registered."), code="wallet_exists")
        challenge.used_at = timezone.now()
        challenge.save(update_fields=["used_at"])
        try:
            with transaction.atomic():
                wallet = Wallet.objects.create(profile=profile, address=challenge.address,
                                               verified_at=challenge.used_at)
        except IntegrityError:
            raise ConflictError(_("This wallet belongs to another investor."), code="wallet_taken")
        audit_record(action="wallet.added", actor=actor, obj=wallet,
                     new={"address": wallet.address, "challenge": challenge.nonce})
        if profile.kyc_status == InvestorProfile.KycStatus.APPROVED:
            registry.register_wallet(wallet=wallet, profile=profile)
    return wallet


def wallet_remove(*, wallet_id: int, actor: User) -> Wallet:
    """The investor removes one of their own wallets; anyone else's is a 404 (accounts.access)."""
    investor_self_ensure(actor)
    if not Wallet.objects.filter(pk=wallet_id, profile__user_id=actor.pk).exists():
        access_deny(actor, object_type="investors.wallet", object_id=wallet_id, message=_("No such wallet."))
    with transaction.atomic(durable=True):
        wallet = Wallet.objects.select_for_update().select_related("profile").get(pk=wallet_id)
        transition(wallet, to=Wallet.Status.REMOVED, actor=actor)
        wallet.removed_at = timezone.now()
        wallet.save(update_fields=["removed_at"])
        if wallet.on_registry:
            registry.revoke_wallet(wallet=wallet, profile=wallet.profile)
    return wallet


def personal_data_reencrypt(*, batch_size: int = 200) -> int:
    """Rewrite the encrypted fields of every profile under the first key (key rotation).
    Values are decrypted with any configured key and encrypted again on save."""
    count = 0
    pks = list(InvestorProfile.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        with transaction.atomic(durable=True):
            for profile in InvestorProfile.objects.select_for_update().filter(pk__in=pks[start:start + batch_size]):
                profile.save(update_fields=sorted(PII_FIELDS))
                count += 1
            audit_record(action="investor_profile.reencrypted", object_type="investors.investorprofile",
                         new={"profiles": pks[start:start + batch_size]})
    return count
