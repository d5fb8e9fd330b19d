"""Checking an uploaded KYC document by its content, not its name or declared type."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.uploads import MAGIC, declared_mismatch, sniff  # noqa: F401  (MAGIC: the accepted formats, re-exported for callers of this module)


def inspect_upload(uploaded) -> tuple[str, int, str]:
    """(content type, size, sha256) of a Django UploadedFile, or an ApplicationError."""
    if uploaded is None:
        raise ApplicationError(_("Choose a file to upload."), code="file_missing",
                               fields={"file": [_("Choose a file to upload.")]})
    limit = settings.KYC_DOCUMENT_MAX_BYTES
    if uploaded.size is None or uploaded.size > limit:
        message = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        raise ApplicationError(message, code="file_too_large", fields={"file": [message]})
    if uploaded.size == 0:
        raise ApplicationError(_("The file is empty."), code="file_empty", fields={"file": [_("The file is empty.")]})
    uploaded.seek(0)
    content_type = sniff(uploaded.read(16))
    if content_type is None:
        message = _("Only PDF, JPEG and PNG files are accepted (checked by content, not by name).")
        raise ApplicationError(message, code="file_type_refused", fields={"file": [message]})
    if declared_mismatch(uploaded, content_type):
        # Sent as one type, holding another (a PNG declared as PDF): usually the wrong file.
        message = _(
            "The file's content does not match its declared type: upload a PDF, JPEG or PNG file as what it is.")
        raise ApplicationError(message, code="file_type_mismatch", fields={"file": [message]})
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return content_type, uploaded.size, digest.hexdigest()
