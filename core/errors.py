"""The project's error types. Services raise these; pages render them as a clear message
and the API as a JSON 4xx body: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from __future__ import annotations


class ApplicationError(Exception):
    """A refusal the user can act on. `code` is stable and machine-readable."""

    status = 400
    default_code = "invalid"
    #: A refused access not recorded yet: {"actor", "object_type", "object_id"}. Set when the
    #: refusal happens inside a transaction (a service's) that rolls back with it; the edge
    #: that answers the refusal records it (core.audit.audit_refused_access).
    refused_access: dict | None = None

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class NotFoundError(ApplicationError):
    """Also used when the object exists but the actor may not see it (no IDOR oracle)."""

    status = 404
    default_code = "not_found"


class PermissionDeniedError(ApplicationError):
    status = 403
    default_code = "permission_denied"


class ConflictError(ApplicationError):
    """The object changed under us, or the transition is not allowed from its state."""

    status = 409
    default_code = "conflict"


class ThrottledError(ApplicationError):
    status = 429
    default_code = "throttled"


class ErrorCollector:
    """Gathers a form's field problems so a service reports them all at once, not only the
    first. Run each independent check through :meth:`check` (or a ``with collector.field():``
    block); a refusal that names fields is kept and the check's result is None; anything else
    (a permission or state refusal, a refusal naming no field) is raised at once.
    :meth:`raise_any` then raises one error of the first problem's type, code and message,
    with every problem under ``fields``: the first code is the one a fail-fast service gave."""

    def __init__(self) -> None:
        self.errors: list[ApplicationError] = []

    def add(self, error: ApplicationError) -> None:
        if not error.fields:
            raise error
        self.errors.append(error)

    def check(self, fn, /, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ApplicationError as error:
            self.add(error)
            return None

    def has(self, field: str) -> bool:
        return any(field in e.fields for e in self.errors)

    def raise_any(self) -> None:
        if not self.errors:
            return
        first = self.errors[0]
        fields: dict[str, list] = {}
        for error in self.errors:
            for name, problems in error.fields.items():
                fields.setdefault(name, []).extend(p for p in problems if p not in fields.get(name, []))
        merged = type(first)(first.message, code=first.code, fields=fields)
        merged.refused_access = first.refused_access
        raise merged
