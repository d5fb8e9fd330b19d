"""The cap table's read model (issue 16: 100,000 holders per security).

A Holder is one investor's total in one security: the sums of their positions' balance, frozen
and held units, and the investor's display name and e-mail as sort and search keys. PostgreSQL
keeps it in step with ledger_position (statement-level triggers with transition tables,
migration 0007): every INSERT, UPDATE or DELETE of positions adds its deltas per (security,
investor), taking the holder rows in (security, investor) order, so whoever writes positions
(the register's services, the indexer, a bulk load) keeps the holders right and two writers
never lock holder rows in opposite orders within a statement. A trigger on accounts_user keeps
the name keys when a user's name or e-mail changes. The keys are lower case in the "C"
collation: a B-tree serves both the keyset order and the prefix search (LIKE 'abc%').

Names are not encrypted at rest (accounts.User.full_name is plain text; only KYC fields such as
the identity number and address are), so the key is the name the page shows: the full name,
else the e-mail.

SnapshotPosition and SnapshotHolder are the same two shapes for one CapTableSnapshot (a past
day), written in bulk (ledger.snapshots) and read with the same keyset paging.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Collate, Lower
from django.utils.translation import gettext_lazy as _

from .register import TOKEN_AMOUNT

KEY = {"max_length": 254, "db_collation": "C"}


class Holder(models.Model):
    security = models.ForeignKey("issuance.Security", on_delete=models.PROTECT, related_name="+")
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    balance = models.DecimalField(_("balance"), default=0, **TOKEN_AMOUNT)
    frozen = models.DecimalField(_("frozen"), default=0, **TOKEN_AMOUNT)
    held = models.DecimalField(_("held for settlement"), default=0, **TOKEN_AMOUNT)
    name_key = models.CharField(**KEY)     # lower(full name or e-mail)
    email_key = models.CharField(**KEY)    # lower(e-mail)

    class Meta:
        verbose_name = _("holder")
        constraints = [models.UniqueConstraint(fields=["security", "investor"], name="ledger_holder_unique")]
        indexes = [
            models.Index(fields=["security", "balance", "investor"], condition=Q(balance__gt=0),
                         name="ledger_holder_by_balance"),
            models.Index(fields=["security", "name_key", "investor"], condition=Q(balance__gt=0),
                         name="ledger_holder_by_name"),
            models.Index(fields=["security", "email_key"], condition=Q(balance__gt=0),
                         name="ledger_holder_by_email"),
            # The totals without reading every holder: few hold frozen or held units.
            models.Index(fields=["security", "frozen"], condition=Q(frozen__gt=0), name="ledger_holder_frozen"),
            models.Index(fields=["security", "held"], condition=Q(held__gt=0), name="ledger_holder_held"),
        ]

    def __str__(self) -> str:
        return f"{self.security_id}/{self.investor_id}: {self.balance}"


class HolderCount(models.Model):
    """How many investors hold units of a security (balance > 0), kept by the same triggers:
    a statement adds the holders whose balance it took above zero and takes away those it took
    to zero, so the page's count reads one row. It changes only when a holder comes or goes."""

    security = models.OneToOneField("issuance.Security", on_delete=models.PROTECT, primary_key=True,
                                    related_name="+")
    holders = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.security_id}: {self.holders} holders"


class SnapshotHolder(models.Model):
    # No foreign-key checks row by row on a 100,000-row bulk insert: the builder writes both. No
    # index of its own on `snapshot` either (every index below starts with it: one less to fill).
    snapshot = models.ForeignKey("ledger.CapTableSnapshot", on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    balance = models.DecimalField(default=0, **TOKEN_AMOUNT)
    frozen = models.DecimalField(default=0, **TOKEN_AMOUNT)
    name_key = models.CharField(**KEY)
    email_key = models.CharField(**KEY)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "balance", "investor"], condition=Q(balance__gt=0),
                         name="ledger_snapholder_by_balance"),
            models.Index(fields=["snapshot", "name_key", "investor"], condition=Q(balance__gt=0),
                         name="ledger_snapholder_by_name"),
            models.Index(fields=["snapshot", "email_key"], condition=Q(balance__gt=0),
                         name="ledger_snapholder_by_email"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}/{self.investor_id}: {self.balance}"


class SnapshotPosition(models.Model):
    snapshot = models.ForeignKey("ledger.CapTableSnapshot", on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False, db_index=False)   # the indexes below start with it
    investor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False)
    wallet = models.CharField(max_length=42, db_collation="C")
    balance = models.DecimalField(default=0, **TOKEN_AMOUNT)
    frozen = models.DecimalField(default=0, **TOKEN_AMOUNT)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "investor"], name="ledger_snapposition_investor"),
            models.Index(F("snapshot"), Collate(Lower("wallet"), "C"), name="ledger_snapposition_wallet_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}/{self.wallet}: {self.balance}"
