"""Exporting a cap table to another system's format: who may, which formats, and the audit row.

`captable_export(actor=..., format="ocf"|"jocf", issuer=... or security=...)` checks that the
actor sees the issuer's register (its members, compliance officers, operators: everyone else
gets the same 404 as for a missing issuer, recorded as a refused access), builds the package
and records who exported what, when (`captable.exported`, with the package's MD5) in the same
transaction as its reads. A format it does not know is a 400 `unknown_export_format`.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import access_deny, sees_organization
from accounts.models import User
from core.audit import audit_record
from core.errors import ApplicationError
from issuance.models import Issuer, Security

from .jocf import jocf_package
from .ocf import ExportFile, ocf_package

#: The formats an export may take (the API's path parameter, the page's links) and what builds
#: each; jocf_package refuses an issuer outside Japan (400 jocf_not_japanese_issuer).
BUILDERS = {"ocf": ocf_package, "jocf": jocf_package}
FORMATS = tuple(BUILDERS)


def export_issuer_get(*, user: User, pk: int) -> Issuer:
    """The issuer whose cap table `user` may export; else 404 (recorded), whether it exists or not."""
    issuer = Issuer.objects.filter(pk=pk).first()
    if issuer is None or not sees_organization(user, issuer.organization_id):
        access_deny(user, object_type="issuance.issuer", object_id=pk)
    return issuer


def export_security_get(*, user: User, pk: int) -> Security:
    security = Security.objects.select_related("issuer").filter(pk=pk).first()
    if security is None or not sees_organization(user, security.issuer.organization_id):
        access_deny(user, object_type="issuance.security", object_id=pk)
    return security


def clean_format(value: object) -> str:
    text = str(value or "").strip().lower()
    if text not in FORMATS:
        message = _("Unknown export format. Choose one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}
        raise ApplicationError(message, code="unknown_export_format", fields={"format": list(FORMATS)})
    return text


def captable_export(*, actor: User, format: str, issuer: Issuer | None = None,
                    security: Security | None = None, as_of: date | None = None) -> ExportFile:
    """The cap table of `issuer` (every equity security) or of one `security`, as a package of
    `format`; audited. Reads only, apart from the audit row."""
    if (issuer is None) == (security is None):
        raise ValueError("give an issuer or a security")
    target = issuer or security.issuer
    if not sees_organization(actor, target.organization_id):
        access_deny(actor, object_type="issuance.security" if security else "issuance.issuer",
                    object_id=(security or issuer).pk)
    fmt = clean_format(format)
    with transaction.atomic():
        export = BUILDERS[fmt](issuer=target, security=security, as_of=as_of)
        audit_record(action="captable.exported", actor=actor, obj=security or target, new={
            "format": fmt, "filename": export.filename, "bytes": len(export.body),
            "md5": hashlib.md5(export.body, usedforsecurity=False).hexdigest(), **export.summary})
    return export
