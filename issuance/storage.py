"""Private document storage: files live under settings.ISSUANCE_DOCUMENT_ROOT (outside the
web root, never served by URL) and are read back through permission-checked views."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from core.errors import ApplicationError

MAX_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = {"application/pdf", "image/png", "image/jpeg", "text/plain"}


def storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.ISSUANCE_DOCUMENT_ROOT, base_url=None)


def store(upload, *, folder: str) -> dict:  # noqa: ANN001
    """Write the upload under a random name; return the model fields (path, name, size, sha256)."""
    if upload is None or not getattr(upload, "size", 0):
        raise ApplicationError(_("Choose a non-empty file."), code="empty_file", fields={"file": [_("Choose a non-empty file.")]})
    if upload.size > MAX_BYTES:
        raise ApplicationError(_("The file is larger than 20 MB."), code="file_too_large", fields={"file": [_("The file is larger than 20 MB.")]})
    content_type = getattr(upload, "content_type", None) or "application/octet-stream"
    if content_type not in ALLOWED_TYPES:
        raise ApplicationError(_("Upload a PDF, PNG, JPEG or plain-text file."), code="file_type", fields={"file": [_("Upload a PDF, PNG, JPEG or plain-text file.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = f"{folder}/{uuid.uuid4().hex}{Path(upload.name or '').suffix.lower()[:10]}"
    path = storage().save(name, upload)
    return {"file_path": path, "file_name": Path(upload.name or "document").name[:200], "size": upload.size,
            "sha256": digest.hexdigest(), "content_type": content_type}


def open_document(doc):  # noqa: ANN001, ANN201
    return storage().open(doc.file_path, "rb")
