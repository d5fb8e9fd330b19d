"""The cap table page's export downloads (OCF, JOCF): the same service as the API
(ledger.exports.service), which checks who may export and audits it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from .api.exports import zip_response
from .exports.service import captable_export, export_issuer_get


@login_required
@require_GET
def issuer_export(request, pk: int, export_format: str):
    """The issuer's equity cap table as a package; a refusal is the error page (404, 400)."""
    issuer = export_issuer_get(user=request.user, pk=pk)
    return zip_response(captable_export(actor=request.user, format=export_format, issuer=issuer))
