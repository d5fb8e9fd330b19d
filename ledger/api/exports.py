"""Cap table exports (issuer staff of that issuer, compliance officers, operators): an issuer's
equity cap table, or one security's, as a package of another system's format (OCF 1.2.0; JOCF
for Japanese issuers). The answer is the zip itself; a refusal is the usual JSON error body."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from ..exports.ocf import ExportFile
from ..exports.service import FORMATS, captable_export, export_issuer_get, export_security_get
from .base import READ_ERRORS, TAG, Base

FORMAT = OpenApiParameter(
    "export_format", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS),
    description="ocf: an Open Cap Table Format 1.2.0 package (*.ocf.zip: the manifest with each file's MD5, "
                "stakeholders, stock classes, stock legend templates, transactions). jocf: the Japanese extension "
                "(*.jocf.zip: security holders, stock classes, transactions, and a manifest of ours with each file's "
                "MD5; issuers whose jurisdiction is JP only, any other is a 400 jocf_not_japanese_issuer). "
                "Equity only: neither format has an object for a straight bond or fund units, which "
                "are left out and named in the manifest. Any other value is a 400 unknown_export_format.")
DESCRIPTION = ("The cap table as a zip package, built from the register (lots first in, first out: each transfer "
               "names its resulting and balance securities). The same register gives the same bytes on the same "
               "business day. Every export is recorded in the audit trail. Another organization's issuer, or one "
               "that does not exist, is a 404.")


def zip_response(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class _ExportBase(Base):
    def perform_content_negotiation(self, request, force=False):
        # The zip is an HttpResponse of its own; negotiation only picks how an error is written
        # (JSON), so a client asking for application/zip gets its package, not a 406.
        return super().perform_content_negotiation(request, force=True)


class IssuerExportApi(_ExportBase):
    @extend_schema(tags=[TAG], operation_id="ledger_issuer_export", parameters=[FORMAT], description=DESCRIPTION,
                   responses={(200, "application/zip"): OpenApiTypes.BINARY, **READ_ERRORS})
    def get(self, request, pk: int, export_format: str):
        issuer = export_issuer_get(user=request.user, pk=pk)
        return zip_response(captable_export(actor=request.user, format=export_format, issuer=issuer))


class SecurityExportApi(_ExportBase):
    @extend_schema(tags=[TAG], operation_id="ledger_security_export", parameters=[FORMAT],
                   description="One security's cap table (one stock class). " + DESCRIPTION,
                   responses={(200, "application/zip"): OpenApiTypes.BINARY, **READ_ERRORS})
    def get(self, request, pk: int, export_format: str):
        security = export_security_get(user=request.user, pk=pk)
        return zip_response(captable_export(actor=request.user, format=export_format, security=security))
