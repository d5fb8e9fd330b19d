from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ApplicationError


def required(value, *, field: str, label: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        message = _("%(field)s is required.") % {"field": label}
        raise ApplicationError(message, code="required", fields={field: [message]})
    return value.strip() if isinstance(value, str) else value


def invalid(message: str, *, field: str | None = None, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]} if field else None)
