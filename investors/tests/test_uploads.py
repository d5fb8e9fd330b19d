"""KYC documents are recognised by core.uploads, which tells what a file is from its bytes:
magic numbers for PDF/PNG/JPEG, and a whole-file check for plain UTF-8 text (issuer and
offering documents, issuance/storage.py). Here, not in core, because it checks that
investors.documents uses that same table (a core test does not import an app above it)."""

import pytest
from django.core.files.base import ContentFile

import investors.documents
from core import uploads

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.mark.parametrize(("head", "expected"), [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
    (b"PK\x03\x04", None), (b"MZ\x90\x00", None), (b"%PDF 1.4", None), (b"", None), (b"plain text", None),
])
def test_sniff_reads_the_magic_bytes(head, expected):
    assert uploads.sniff(head) == expected


def test_kyc_documents_use_the_same_table():
    assert investors.documents.sniff is uploads.sniff and investors.documents.MAGIC is uploads.MAGIC


@pytest.mark.parametrize("chunks", [
    [b"hello\tworld\r\n", b"page two\f\n"],
    ["\ufeff".encode() + "日本語のテキスト".encode()],                 # a UTF-8 BOM is allowed
    ["株".encode()[:1], "株".encode()[1:] + b" split across chunks"],  # a character split between reads
    [b""],
    [],
])
def test_plain_text_is_accepted(chunks):
    assert uploads.is_plain_text(chunks)


@pytest.mark.parametrize("chunks", [
    [b"nul\x00inside"],
    [b"bell\x07"], [b"vertical tab\x0b"], [b"escape\x1b[0m"], [b"delete\x7f"],
    ["c1 control \u0085".encode()],
    [b"latin-1 caf\xe9"],
    [b"a" * 70_000, b"fine", b"then \x00 late"],                         # checked over the whole file
    ["truncated 日".encode()[:-1]],                                      # the file ends inside a character
    [b"\xed\xa0\x80 a UTF-16 surrogate"],
])
def test_binary_or_non_utf8_is_not_text(chunks):
    assert not uploads.is_plain_text(chunks)


def test_detect_reads_the_content_and_rewinds():
    f = ContentFile(b"just words\n", name="x.pdf")
    assert uploads.detect(f) is None
    assert uploads.detect(f, text=True) == "text/plain" and f.tell() == 0
    g = ContentFile(PNG + b"\x00" * 100_000, name="x.txt")
    assert uploads.detect(g, text=True) == "image/png" and g.tell() == 0
    h = ContentFile(b"x" * 100_000 + b"\x00", name="x.txt")
    assert uploads.detect(h, text=True) is None and h.tell() == 0
