"""KYC document files, encrypted at rest with the keys of investors.fields.

What is on disk: MAGIC (an ASCII line naming the format and its version), then ONE Fernet
token (url-safe base64 of AES-128-CBC + HMAC-SHA256) of the whole file. One token, not a
streamed chunk format, because KYC_DOCUMENT_MAX_BYTES bounds a document (10 MB by default:
a ~13.4 MB token, read and checked in memory in well under a second), and a single token
authenticates the whole file, so nothing can be truncated, reordered or spliced unseen. If
that limit ever grows to hundreds of MB, add a chunked "v2" behind a new MAGIC.

Files written before this module existed are the plain PDF/PNG/JPEG bytes, with no MAGIC:
`decrypt` returns them unchanged (they are still served) and `reencrypt` encrypts them
(`manage.py kyc_reencrypt`). Keys: investors.fields.keyring(), i.e. FIELD_ENCRYPTION_KEYS,
the first encrypts, all decrypt. These functions work on bytes; reading and writing the
storage, the audit trail and the permission checks are investors.services' business.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from .fields import fernets, keyring

MAGIC = b"shoken-kyc:fernet:v1\n"


class UnreadableFile(Exception):
    """Marked as encrypted, but no configured key opens it: a key was removed too early, or
    the file was truncated or altered. The message names the cause, never the content."""


def is_encrypted(stored: bytes) -> bool:
    return stored.startswith(MAGIC)


def encrypt(plaintext: bytes) -> bytes:
    """What to write to disk for these plaintext bytes (under the first key)."""
    return MAGIC + keyring().encrypt(plaintext)


def decrypt(stored: bytes) -> bytes:
    """The original bytes of a file as read from disk; a legacy plaintext file as it is."""
    if not is_encrypted(stored):
        return stored
    try:
        return keyring().decrypt(stored[len(MAGIC):])
    except InvalidToken as exc:
        raise UnreadableFile(
            "no key in FIELD_ENCRYPTION_KEYS opens this file (wrong key, truncated or altered)") from exc


def reencrypt(stored: bytes) -> bytes | None:
    """What to write instead of `stored` so that it is encrypted under the first key, or
    None when it already is (so running the rotation twice rewrites nothing the second time).
    A legacy plaintext file is encrypted; a file under an older key is rotated."""
    if not is_encrypted(stored):
        return encrypt(stored)
    token = stored[len(MAGIC):]
    try:
        fernets()[0].decrypt(token)
    except InvalidToken:
        pass
    else:
        return None
    try:
        return MAGIC + keyring().rotate(token)
    except InvalidToken as exc:
        raise UnreadableFile(
            "no key in FIELD_ENCRYPTION_KEYS opens this file (wrong key, truncated or altered)") from exc
