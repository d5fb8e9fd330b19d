"""Private document storage: files live under settings.ISSUANCE_DOCUMENT_ROOT (outside the
web root, never served by URL) and are read back through permission-checked views.

What a document IS comes from its content (core/uploads.py), not from the browser's declared
type or the file name: PDF, PNG and JPEG by their magic bytes, plain text when the whole file
is UTF-8 without binary control characters. The detected type is what we store and later
serve; a declared type that disagrees is refused rather than silently corrected, because it
usually means the user picked the wrong file. Checks run before anything is written, so a
refused upload leaves no file behind.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from contextvars import ContextVar
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.uploads import declared_mismatch, detect

MAX_BYTES = 20 * 1024 * 1024
# Detected content type -> the file-name suffixes that fit it; the first is the one we give.
SUFFIXES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
}
ALLOWED_TYPES = set(SUFFIXES)


def storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.ISSUANCE_DOCUMENT_ROOT, base_url=None)


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"file": [message]})


def _label(content_type: str) -> str:
    """A reader's name for a content type (the raw type when it is none of ours)."""
    labels = {"application/pdf": _("a PDF document"), "image/png": _("a PNG image"),
              "image/jpeg": _("a JPEG image"), "text/plain": _("plain text")}
    return labels.get(content_type, content_type[:100])


def content_type_of(upload) -> str:
    """The detected content type of an accepted upload, or an ApplicationError on field
    "file": `file_type` when the content is none of PDF/PNG/JPEG/plain text,
    `file_type_mismatch` when the browser declared another type than the content."""
    detected = detect(upload, text=True)
    if detected not in ALLOWED_TYPES:
        message = _("Upload a PDF, PNG, JPEG or plain-text (UTF-8) file: files are checked by their content, "
                    "not by their name.")
        raise _refuse(message, "file_type")
    declared = declared_mismatch(upload, detected)
    if declared:
        message = _("The file was sent as %(declared)s, but its content is %(detected)s. "
                    "Check that you chose the right file.")
        raise _refuse(message % {"declared": _label(declared), "detected": _label(detected)}, "file_type_mismatch")
    return detected


def display_name(name: str, content_type: str) -> str:
    """The user's file name, with the detected type's suffix appended when its own suffix
    does not fit (so `setup.exe` holding a PDF downloads as `setup.exe.pdf`)."""
    name = Path(name or "document").name or "document"
    suffixes = SUFFIXES[content_type]
    if Path(name).suffix.lower() not in suffixes:
        name = f"{name[:200 - len(suffixes[0])]}{suffixes[0]}"
    return name[:200]


#: Paths written by store() during a service wrapped in removes_files_on_failure.
_stored: ContextVar[list[str] | None] = ContextVar("issuance_stored_files", default=None)


def removes_files_on_failure(service):
    """For a service that stores files inside its own durable transaction (put this decorator
    OUTSIDE transaction.atomic): when it raises after storing, because the row insert, the
    audit event or the commit failed, the files it stored are deleted again, so a failed
    upload leaves no orphan on disk."""
    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        token = _stored.set([])
        try:
            return service(*args, **kwargs)
        except BaseException:
            for path in _stored.get() or []:
                storage().delete(path)
            raise
        finally:
            _stored.reset(token)

    return wrapper


def store(upload, *, folder: str) -> dict:
    """Check the upload, write it under a random name with the suffix of its detected type,
    and return the model fields (file_path, file_name, size, sha256, content_type)."""
    if upload is None or not getattr(upload, "size", 0):
        raise _refuse(_("Choose a non-empty file."), "empty_file")
    if upload.size > MAX_BYTES:
        raise _refuse(_("The file is larger than 20 MB."), "file_too_large")
    content_type = content_type_of(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    path = storage().save(f"{folder}/{uuid.uuid4().hex}{SUFFIXES[content_type][0]}", upload)
    stored = _stored.get()
    if stored is not None:
        stored.append(path)
    return {"file_path": path, "file_name": display_name(upload.name, content_type), "size": upload.size,
            "sha256": digest.hexdigest(), "content_type": content_type}


def open_document(doc):
    return storage().open(doc.file_path, "rb")
