"""factory_boy factories for investors, and test wallets with known keys."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.clock import business_today
from investors import filecrypt
from investors.models import InvestorProfile, KycDocument, Wallet

# Well-known anvil development keys: never hold value with them.
VERIFIED_INVESTOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
VERIFIED_INVESTOR_WALLET = Account.from_key(VERIFIED_INVESTOR_KEY).address
OTHER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
OTHER_WALLET = Account.from_key(OTHER_KEY).address

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def key_for(n: int) -> str:
    """A deterministic private key per sequence number."""
    return "0x" + (n + 1000).to_bytes(32, "big").hex()


def sign(message: str, key: str) -> str:
    return "0x" + Account.sign_message(encode_defunct(text=message), private_key=key).signature.hex().removeprefix("0x")


class InvestorProfileFactory(factory.django.DjangoModelFactory):
    """A complete profile, not yet submitted."""

    class Meta:
        model = InvestorProfile

    user = factory.SubFactory(UserFactory, role=Role.INVESTOR)
    kind = InvestorProfile.Kind.INDIVIDUAL
    legal_name = factory.Faker("name")
    birth_date = date(1985, 4, 12)
    identity_number = factory.Sequence(lambda n: f"TK{n:07d}")
    address = "1-2-3 Marunouchi, Chiyoda-ku, Tokyo"
    nationality = "JP"
    residence_country = "JP"
    tax_residency = "JP"
    investor_status = InvestorProfile.InvestorStatus.RETAIL
    status_basis = ""

    class Params:
        approved = factory.Trait(
            kyc_status=InvestorProfile.KycStatus.APPROVED,
            kyc_expires_on=factory.LazyFunction(lambda: business_today() + timedelta(days=365)),
        )


class KycDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KycDocument

    profile = factory.SubFactory(InvestorProfileFactory)
    kind = KycDocument.Kind.PASSPORT
    # Stored as document_upload stores it: encrypted (a legacy file: file=ContentFile(PDF_BYTES, ...)).
    file = factory.LazyFunction(lambda: ContentFile(filecrypt.encrypt(PDF_BYTES), name="upload"))
    original_name = "passport.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    sha256 = factory.LazyFunction(lambda: __import__("hashlib").sha256(PDF_BYTES).hexdigest())
    uploaded_by = factory.SelfAttribute("profile.user")


class WalletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wallet

    profile = factory.SubFactory(InvestorProfileFactory)
    address = factory.Sequence(lambda n: Account.from_key(key_for(n)).address)
    verified_at = factory.LazyFunction(timezone.now)
