"""Platform-custodied wallets: the trust bank keeps the key for investors who want it, and for
issuers' treasuries.

The key sits behind a small signer port (CustodySigner), chosen by settings.CUSTODY_SIGNER.
The default, KeyRingSigner, creates a fresh key with eth_account and keeps it only in
Wallet.custody_key, encrypted under FIELD_ENCRYPTION_KEYS (investors/fields.py); production
may put an HSM or KMS behind the same two methods. A key is never logged, never in an audit
payload, never in a page or an API answer; it is read back (decrypted) only for one signature.

The key signs nothing but a settlement Delivery (investors/authorization.py) in which its
wallet is a party, and only for the wallet's own investor (who confirmed it in the browser)
or, for a treasury wallet, for the platform (actor None). The relay's agent key is another
key altogether (chain/).
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from eth_account import Account

from accounts.access import access_deny, investor_self_ensure
from accounts.models import Role, User
from core.audit import audit_record
from core.errors import ApplicationError, ConflictError, PermissionDeniedError

from . import authorization, registry
from .models import InvestorProfile, Wallet


class CustodySigner(Protocol):
    """Where custodied keys live. create() makes a key and returns (address, stored_key):
    what Wallet.custody_key keeps (the encrypted key itself, or a reference to a key held
    elsewhere). sign_typed() signs an EIP-712 typed-data JSON with the wallet's key and
    returns the signature (0x + 130 hex)."""

    def create(self) -> tuple[str, str]: ...

    def sign_typed(self, wallet: Wallet, typed: dict) -> str: ...


class KeyRingSigner:
    """Keys generated here and kept in Wallet.custody_key (Fernet under the key ring)."""

    def create(self) -> tuple[str, str]:
        account = Account.create()
        return account.address, "0x" + bytes(account.key).hex()

    def sign_typed(self, wallet: Wallet, typed: dict) -> str:
        # Read (and decrypted by the field) just for this call; the wallets that pages and
        # services pass around are loaded without it.
        key = Wallet.objects.filter(pk=wallet.pk).values_list("custody_key", flat=True).get()
        if not key:
            raise ConflictError(_("This wallet is not kept by the trust bank."), code="not_custodied")
        signed = Account.sign_typed_data(key, full_message=typed)
        del key
        return "0x" + bytes(signed.signature).hex()


def custody_signer() -> CustodySigner:
    return import_string(settings.CUSTODY_SIGNER)()


def _active_custodied(profile: InvestorProfile):
    return profile.wallets.filter(status=Wallet.Status.ACTIVE, custody=Wallet.Custody.PLATFORM)


def _wallet_add(*, profile: InvestorProfile, address: str, stored_key: str, actor: User | None) -> Wallet:
    """Inside the caller's transaction, with the profile locked: the wallet, its audit event
    (never the key) and its registry outbox row."""
    if _active_custodied(profile).exists():
        raise ConflictError(_("The trust bank already keeps a wallet for you."), code="custody_wallet_exists")
    try:
        with transaction.atomic():
            wallet = Wallet.objects.create(profile=profile, address=address, custody=Wallet.Custody.PLATFORM,
                                           custody_key=stored_key, verified_at=timezone.now())
    except IntegrityError:  # the same address active elsewhere: only with a broken signer
        raise ConflictError(_("This wallet belongs to another investor."), code="wallet_taken")
    audit_record(action="wallet.custody_created", actor=actor, obj=wallet,
                 new={"address": wallet.address, "custody": Wallet.Custody.PLATFORM,
                      "signer": settings.CUSTODY_SIGNER})
    registry.register_wallet(wallet=wallet, profile=profile)
    # The caller gets the wallet without its key (deferred: a later save() leaves it alone).
    return Wallet.objects.defer("custody_key").get(pk=wallet.pk)


def _not_approved() -> ConflictError:
    # 409: the profile's state (not yet verified) refuses it, not the request.
    return ConflictError(_("The trust bank keeps a wallet only for investors whose KYC is verified."),
                         code="kyc_not_approved")


def custody_wallet_create(*, profile: InvestorProfile | None, actor: User) -> Wallet:
    """The trust bank keeps a new wallet for the investor (at most one active): KYC must be
    approved. The wallet is active at once and registered on chain like a proven wallet
    (registry.register_wallet). `profile` None (no profile yet) is refused like an unapproved one."""
    investor_self_ensure(actor, user=profile.user if profile is not None else None)
    if profile is None:
        raise _not_approved()
    # The key is made before the transaction (a remote signer is network I/O); a refusal below
    # drops it unused.
    address, stored_key = custody_signer().create()
    with transaction.atomic(durable=True):
        profile = InvestorProfile.objects.select_for_update().get(pk=profile.pk)
        if profile.kyc_status != InvestorProfile.KycStatus.APPROVED:
            raise _not_approved()
        return _wallet_add(profile=profile, address=address, stored_key=stored_key, actor=actor)


def custody_wallet_create_for_treasury(*, profile: InvestorProfile, actor: User | None = None) -> Wallet:
    """The custodied wallet of an issuer's treasury (the TREASURY holder's approved entity
    profile: the issuer's KYB stands for KYC), registered on chain. Joins the caller's
    transaction (the issuer's approval, issuance/treasury.py); at most one active per treasury."""
    address, stored_key = custody_signer().create()
    with transaction.atomic():
        profile = InvestorProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        if (profile.user.role != Role.TREASURY or profile.kind != InvestorProfile.Kind.ENTITY
                or profile.kyc_status != InvestorProfile.KycStatus.APPROVED):
            raise ApplicationError(_("A treasury wallet needs the approved entity profile of an issuer's treasury."),
                                   code="treasury_profile_required")
        return _wallet_add(profile=profile, address=address, stored_key=stored_key, actor=actor)


def custody_sign(*, wallet: Wallet, typed: dict, actor: User | None) -> str:
    """Sign a settlement Delivery with a custodied wallet's key. `actor`: the wallet's own
    investor, who confirmed this instruction in the browser; None only for a treasury
    wallet, signed by the platform. The Delivery must be ours (authorization.delivery_of) and
    name the wallet as seller or buyer. Audited (the digest, never the key).
    The signature is made before the audit's transaction (a remote signer is network I/O);
    the audit joins the caller's transaction when there is one (the ledger's authorize)."""
    if actor is not None:
        investor_self_ensure(actor)
    wallet = (Wallet.objects.select_related("profile__user").defer("custody_key")
              .filter(pk=wallet.pk).first())
    if wallet is None or (actor is not None and wallet.profile.user_id != actor.pk):
        access_deny(actor, object_type="investors.wallet", object_id=getattr(wallet, "pk", ""),
                    message=_("No such wallet."))
    if actor is None and wallet.profile.user.role != Role.TREASURY:
        raise PermissionDeniedError(_("Only the investor may authorize with this wallet."), code="custody_actor")
    if wallet.status != Wallet.Status.ACTIVE:
        raise ConflictError(_("This wallet was removed."), code="wallet_removed")
    if wallet.custody != Wallet.Custody.PLATFORM:
        raise ConflictError(_("This wallet is not kept by the trust bank."), code="not_custodied")
    delivery = authorization.delivery_of(typed)["message"]
    role = "seller" if delivery["seller"] == wallet.address else "buyer" if delivery["buyer"] == wallet.address else ""
    if not role:
        raise ApplicationError(_("This wallet is not a party to the instruction."), code="not_a_party")
    # A signer that answers with another key's signature (a misconfigured KMS) is caught here.
    signature = authorization.signature_check(typed, custody_signer().sign_typed(wallet, typed), wallet.address)
    with transaction.atomic():
        audit_record(action="wallet.custody_signed", actor=actor, obj=wallet,
                     new={"digest": "0x" + authorization.delivery_digest(typed).hex(), "role": role,
                          "nonce": str(delivery["nonce"]), "deadline": str(delivery["deadline"])})
    return signature
