"""Model fields whose values are encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from settings.FIELD_ENCRYPTION_KEYS (environment): the first key encrypts, every
key decrypts, so a key can be rotated without downtime (`manage.py kyc_reencrypt` rewrites
the rows under the first key). KYC document files use the same keys (investors/filecrypt.py).
The database only ever sees the token, never the plaintext; such fields cannot be filtered
or sorted on in SQL, by design.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=1)
def fernets() -> tuple[Fernet, ...]:
    """The configured keys in order: [0] is the one that encrypts. The one place keys are
    loaded; investors.filecrypt (KYC document files) uses these too."""
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: personal data cannot be stored unencrypted.")
    return tuple(Fernet(key.encode() if isinstance(key, str) else key) for key in keys)


@lru_cache(maxsize=1)
def keyring() -> MultiFernet:
    """Every configured key: encrypts with the first, decrypts with any, rotates to the first."""
    return MultiFernet(list(fernets()))


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        fernets.cache_clear()
        keyring.cache_clear()


setting_changed.connect(_reset)


def encrypt(plaintext: str) -> str:
    return PREFIX + keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return keyring().decrypt(token[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("An encrypted field could not be decrypted with FIELD_ENCRYPTION_KEYS") from exc


def rotate(token: str) -> str:
    """The same plaintext under the first key."""
    return PREFIX + keyring().rotate(token[len(PREFIX):].encode()).decode()


class EncryptedTextField(models.TextField):
    """A string, stored encrypted. Empty strings are stored as empty strings (nothing to hide)."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(self.to_text(value))

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, value: str):
        return value

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None if value is None else self.empty_value()
        return self.from_text(decrypt(value))

    def empty_value(self):
        return ""

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return self.from_text(decrypt(value))
        return value


class EncryptedDateField(EncryptedTextField):
    """A date, stored encrypted as ISO text."""

    def to_text(self, value) -> str:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        return dt.date.fromisoformat(str(value)).isoformat()

    def from_text(self, value: str):
        return dt.date.fromisoformat(value)

    def empty_value(self):
        return None

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and value.startswith(PREFIX):
            return self.from_text(decrypt(value))
        return dt.date.fromisoformat(str(value))
