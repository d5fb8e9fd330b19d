"""Explicit state machines: a model declares `TRANSITIONS = {from: {to, ...}}` and every
status change goes through `transition()`, which checks the map, updates with a guarded
filter (pk and the old status) and writes the audit event in the same transaction."""

from __future__ import annotations

from django.db import connection, models

from .audit import audit_record
from .errors import ConflictError


def transition(obj: models.Model, *, to: str, actor, reason: str = "", field: str = "status") -> models.Model:  # noqa: ANN001
    if not connection.in_atomic_block:
        raise RuntimeError("transition must run inside the use case's transaction")
    current = getattr(obj, field)
    allowed = type(obj).TRANSITIONS.get(current, set())
    if to not in allowed:
        raise ConflictError(
            f"{obj._meta.verbose_name.capitalize()} cannot go from {current} to {to}",
            code="invalid_transition",
        )
    updated = type(obj).objects.filter(pk=obj.pk, **{field: current}).update(**{field: to})
    if updated != 1:
        raise ConflictError(
            f"{obj._meta.verbose_name.capitalize()} was changed by someone else; reload and try again",
            code="stale_object",
        )
    setattr(obj, field, to)
    audit_record(
        action=f"{obj._meta.model_name}.{to}",
        actor=actor,
        obj=obj,
        old={field: current},
        new={field: to, **({"reason": reason} if reason else {})},
    )
    return obj
