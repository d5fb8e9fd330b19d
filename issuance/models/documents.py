"""Documents stored outside the web root, each with its SHA-256 (served only through a
permission-checked view, never by URL)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    file_path = models.CharField(max_length=300)          # relative to ISSUANCE_DOCUMENT_ROOT
    file_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
