"""Codes as words in templates: ``{{ review.risk_reasons|code_words|join:"; " }}`` (compliance.codes)."""

from __future__ import annotations

from django import template

from compliance.codes import country_label, describe, describe_all

register = template.Library()


@register.filter
def code_words(codes) -> list[str]:
    """A list of codes -> their sentences, in the active language."""
    return describe_all(codes)


@register.filter
def code_word(code) -> str:
    return describe(code)


@register.filter
def country_name(code) -> str:
    """'IR' -> the country's name in the active language, with the code: "Iran, ... (IR)"."""
    if not code:
        return "—"
    name = country_label(str(code))
    return f"{name} ({code})" if name != code else str(code)
