"""Helpers for the shared form partials (templates/core/_field.html)."""

from django import template

register = template.Library()


@register.filter
def any_required(form) -> bool:
    """Whether `form` has a required field, so the page explains the * marker."""
    return any(field.required for field in getattr(form, "fields", {}).values())
