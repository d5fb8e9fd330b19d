"""The HTTP response that sends a KYC document (page and API alike)."""

from __future__ import annotations

import io

from django.http import FileResponse

from .services import DocumentContent


def document_response(download: DocumentContent) -> FileResponse:
    """The decrypted bytes as an attachment under the original name, never cached."""
    document = download.document
    response = FileResponse(io.BytesIO(download.content), content_type=document.content_type,
                            as_attachment=True, filename=document.original_name)
    response["Cache-Control"] = "private, no-store"
    return response
