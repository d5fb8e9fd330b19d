"""Recognising an uploaded file by its CONTENT, never by its name or its declared type.

A browser's Content-Type and the file name are whatever the user (or an attacker renaming an
executable to `report.pdf`) chose; the bytes are not. Every app that accepts documents asks
here what a file really is: KYC documents (investors/documents.py: PDF, PNG, JPEG) and issuer
and offering documents (issuance/storage.py: the same, plus plain text).

No messages live here on purpose: each app words its own refusals (and their translations).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

# Leading bytes of the binary formats we accept, and the content type each one is.
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
# Enough leading bytes for every entry of MAGIC.
HEAD_BYTES = 16
TEXT_PLAIN = "text/plain"
# Declared types that say nothing about the content (no header, or the client did not know).
UNDECLARED = {"", "application/octet-stream"}
# Older spellings browsers and tools still send for the same formats.
ALIASES = {"application/x-pdf": "application/pdf", "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}

# Control characters that do not belong in a text document: C0 except tab, LF, FF and CR
# (so NUL, VT, ESC, ...), DEL, and the C1 range U+0080-U+009F.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def sniff(head: bytes) -> str | None:
    """The content type whose magic bytes `head` starts with, or None."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def is_plain_text(chunks: Iterable[bytes]) -> bool:
    """True when the bytes, read chunk by chunk, are valid UTF-8 (one leading BOM allowed)
    without NUL or other binary control characters (tab, LF, CR and form feed are fine).
    Stops at the first bad chunk, so a binary file is refused after its first read. A
    multi-byte character split across two chunks is handled by the incremental decoder."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        for chunk in chunks:
            if _BINARY_CONTROLS.search(decoder.decode(chunk)):
                return False
        return not _BINARY_CONTROLS.search(decoder.decode(b"", final=True))  # raises on a truncated last character
    except UnicodeDecodeError:
        return False


def declared_type(upload) -> str:
    """The client's Content-Type for the upload, normalised ("" when it gave none)."""
    declared = (getattr(upload, "content_type", None) or "").split(";")[0].strip().lower()
    return ALIASES.get(declared, declared)


def declared_mismatch(upload, detected: str) -> str | None:
    """The declared type when the client declared one that is not `detected` (a file sent as
    PDF that is a PNG usually means the wrong file was chosen), else None."""
    declared = declared_type(upload)
    return declared if declared not in UNDECLARED and declared != detected else None


def read_head(upload, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of a Django File/UploadedFile; the file is left at position 0."""
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def detect(upload, *, text: bool = False) -> str | None:
    """What an uploaded file is, from its bytes: a MAGIC content type; else, when `text` is
    allowed, "text/plain" if the WHOLE file passes is_plain_text; else None. Reads in chunks
    (Django's File.chunks), so a large upload is never loaded at once; the file is left at
    position 0 for whoever saves it next."""
    content_type = sniff(read_head(upload))
    if content_type is None and text and is_plain_text(upload.chunks()):
        content_type = TEXT_PLAIN
    upload.seek(0)
    return content_type
