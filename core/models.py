"""What every app shares: the append-only, hash-chained audit trail, the chain outbox, the
events for webhooks and the API's idempotency keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One change, written in the same transaction as the change itself.

    PostgreSQL rejects UPDATE and DELETE on this table (trigger in migration 0002), and each
    row carries `hash = sha256(prev_hash + canonical row)`, so `manage.py audit_verify`
    detects a row altered or removed behind the trigger's back.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"


class OutboxEntry(models.Model):
    """An action the chain must mirror, written in the register's transaction.

    The relay in chain/ claims PENDING rows of its lane with SELECT ... FOR UPDATE SKIP LOCKED;
    the idempotency key makes a retried use case write nothing twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUBMITTED = "submitted", "submitted"
        CONFIRMED = "confirmed", "confirmed"
        FAILED = "failed", "failed"

    TRANSITIONS = {
        Status.PENDING: {Status.SUBMITTED, Status.FAILED},
        Status.SUBMITTED: {Status.CONFIRMED, Status.FAILED, Status.PENDING},
        Status.FAILED: {Status.PENDING},
    }

    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # Written by the chain mirror when the action's (last) transaction confirms, so the
    # register's pages can show it without importing chain/.
    tx_hash = models.CharField(max_length=66, blank=True)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The signer lane that sends it (chain/lanes.py; set at insert through settings.OUTBOX_LANE_OF):
    # each lane's relay claims its own rows.
    lane = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "lane", "available_at"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} [{self.status}] {self.idempotency_key}"


class BusinessClock(models.Model):
    """The business date's offset from the calendar, in days: ONE row (pk 1) that web and
    worker processes share. Read it through core.clock (business_today), never directly."""

    offset_days = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="core_businessclock_one_row")]

    def __str__(self) -> str:
        return f"business date offset {self.offset_days:+d} days"


class Event(models.Model):
    """Something that happened which systems outside the platform may want to hear about
    (core/events.py), written in the transaction of the change it reports. The webhooks app
    fans each row out to the endpoints that chose its type; the row itself never changes
    except for `fanned_out_at`.

    `organization_id` names the organization it concerns (an issuer's organization) or is
    null for platform-wide happenings; it is a plain id because core sits below accounts."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the id receivers deduplicate on
    type = models.CharField(max_length=40)
    # What happened, once ("kyc.decided:12"): emitting the same key again adds nothing.
    key = models.CharField(max_length=200, unique=True)
    organization_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(fanned_out_at__isnull=True), name="core_event_pending_idx"),
            models.Index(fields=["organization_id", "type", "id"], name="core_event_org_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.key} ({self.uid})"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key on an API write, claimed before the view runs and holding its
    answer once it ran (core/idempotency.py has the rules). One per (user, key); expired rows
    are claimed afresh and purged by beat."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    # sha256 of method, full path with query, user and the body's sha256: "the same request".
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)   # the first request's X-Request-Id
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotencykey_user_key")]

    def __str__(self) -> str:
        return f"{self.key} [{self.state}] {self.method} {self.path}"
