"""Explicit state machines: a model declares `TRANSITIONS = {from: {to, ...}}` and every
status change goes through `transition()` (or `transition_many()` for several objects of one
model), which checks the map, updates with a guarded filter (pk and the old status) and
writes the audit events in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

from .audit import audit_record_many
from .errors import ConflictError


def transition(obj: models.Model, *, to: str, actor, reason: str = "", field: str = "status") -> models.Model:
    """Move one object on: transition_many for one."""
    return transition_many([obj], to=to, actor=actor, reason=reason, field=field)[0]


def transition_many(objs: Sequence[models.Model], *, to: str, actor, reason: str | Sequence[str] = "",
                    field: str = "status", also: dict | None = None) -> list[models.Model]:
    """transition() for several objects of ONE model at once: every object's current status
    must allow `to` (else ConflictError invalid_transition, nothing written by this call);
    one guarded UPDATE per distinct current status (pk IN (...) AND field = current); if fewer
    rows than objects were updated -> ConflictError stale_object; then the same audit events
    transition() writes (one per object, in objs order) through audit_record_many. `reason`:
    one for all, or one per object. `also`: other columns the same UPDATE sets (the same
    values for every object, e.g. {"updated_at": now}). Empty objs -> []."""
    if not connection.in_atomic_block:
        raise RuntimeError("transition must run inside the use case's transaction")
    objs = list(objs)
    reasons = list(reason) if isinstance(reason, list | tuple) else [reason] * len(objs)
    if len(reasons) != len(objs):
        raise ValueError("give one reason for all objects or one per object")
    if len({obj.pk for obj in objs}) != len(objs) or len({type(obj) for obj in objs}) > 1:
        raise ValueError("give distinct objects of one model")
    if not objs:
        return []
    olds = [getattr(obj, field) for obj in objs]
    by_status: dict[str, list] = {}
    for obj, current in zip(objs, olds, strict=True):
        if to not in type(obj).TRANSITIONS.get(current, set()):
            raise ConflictError(
                f"{obj._meta.verbose_name.capitalize()} cannot go from {current} to {to}",
                code="invalid_transition",
            )
        by_status.setdefault(current, []).append(obj.pk)
    _update_guarded(objs, by_status, to=to, field=field, also=also or {})
    for obj in objs:
        setattr(obj, field, to)
        for name, value in (also or {}).items():
            setattr(obj, name, value)
    audit_record_many([
        {"action": f"{obj._meta.model_name}.{to}", "actor": actor, "obj": obj, "old": {field: old},
         "new": {field: to, **({"reason": why} if why else {})}}
        for obj, old, why in zip(objs, olds, reasons, strict=True)
    ])
    return objs


def _update_guarded(objs: list[models.Model], by_status: dict[str, list], *, to: str, field: str,
                    also: dict) -> None:
    """Move the rows on, one UPDATE per current status, each guarded by that status: a row
    someone else changed since it was loaded is not updated, and the whole call is refused."""
    updated = sum(type(objs[0]).objects.filter(pk__in=pks, **{field: current}).update(**{**also, field: to})
                  for current, pks in by_status.items())
    if updated != len(objs):
        raise ConflictError(
            f"{objs[0]._meta.verbose_name.capitalize()} was changed by someone else; reload and try again",
            code="stale_object",
        )
