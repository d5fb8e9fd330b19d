"""The register API's input fields, each as strict as its schema says: amounts in base units,
wallet addresses, ids, dates and reasons."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import api_fields
from core.api_fields import StrictCharField

# A positive whole number of base units in ASCII digits: no sign, separator, leading zero or
# other script's digits; at most 77 digits, so every match fits a uint256 (2**256 has 78).
AMOUNT_PATTERN = r"^[1-9][0-9]{0,76}$"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"


@extend_schema_field({"type": "string", "pattern": AMOUNT_PATTERN, "maxLength": 77,
                      "description": "base units: a positive whole number as a string of ASCII digits"})
class AmountField(api_fields.AmountField):
    """core's AmountField, positive and without leading zeros (as the schema's pattern says),
    validated to an int."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 77)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not re.fullmatch(AMOUNT_PATTERN, value):
            raise serializers.ValidationError(
                _("The amount must be a positive whole number of base units."),
                code="invalid")
        return value

    def run_validation(self, data=serializers.empty):
        return int(super().run_validation(data))


@extend_schema_field({"type": "string", "pattern": ADDRESS_PATTERN, "maxLength": 42,
                      "description": "a wallet address: 0x and 40 hexadecimal digits, all lower case, all upper "
                                     "case or with a valid EIP-55 checksum (else 400 invalid_wallet)"})
class AddressField(api_fields.AddressField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class IdField(api_fields.StrictIntegerField):
    """An id: a JSON integer, 1 to bigint (not "5", 5.0 or true)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class DateField(serializers.DateField):
    """YYYY-MM-DD in ASCII digits (DRF's DateField also takes other scripts' digits)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


# A reason: no NUL (PostgreSQL's text refuses it), at most 2000 characters; where one is
# required, something other than whitespace (Python's \s, as str.strip() trims).
REASON_PATTERN = r"^[^\u0000]*$"
REQUIRED_REASON_PATTERN = r"^[^\u0000]*\S[^\u0000]*$"


@extend_schema_field({"type": "string", "maxLength": 2000, "pattern": REASON_PATTERN, "default": ""})
class ReasonField(StrictCharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=2000, required=False, allow_blank=True, default="", **kwargs)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": REQUIRED_REASON_PATTERN,
                      "description": "required: why (kept in the register and the audit trail)"})
class RequiredReasonField(StrictCharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=2000, **kwargs)
