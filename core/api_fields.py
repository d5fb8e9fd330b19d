"""Strict serializer fields: the API accepts exactly what its schema says.

DRF's own fields are lenient in ways that let bad input slip through: CharField turns a JSON
number into a string, IntegerField and Decimal parsing accept "1_000" and the digits of other
scripts ("٣", full-width "３"), Decimal accepts "NaN", "Infinity" and "1e400". A client of the
API is a program: it sends ASCII digits in a string (amounts) or a JSON integer (ids, counts),
and anything else is a 400 with field errors. (Pages may normalize full-width digits for
Japanese users; that is the form's job, not the API's.)

Shared by every app's API (ledger: AddressField, AmountField, StrictInput; issuance, investors,
compliance, accounts, chain: the rest).
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: A decimal written with ASCII digits: "10", "2.5", "0.000001", "-1" (the service says why a
#: negative is refused). No plus sign, exponent, underscore, space or other script's digits.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
#: PostgreSQL bigint (ids are BigAutoField).
BIGINT_MAX = 2**63 - 1
#: A token amount in base units: a uint256 has at most 78 decimal digits.
_AMOUNT = re.compile(r"[0-9]{1,78}", re.ASCII)
UINT256_MAX = 2**256 - 1
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}", re.ASCII)


class StrictCharField(serializers.CharField):
    """A string, and only a string: a number, boolean, list or object is refused (DRF's
    CharField would store 12 as "12"). NUL and lone surrogates are refused by CharField."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (not a boolean, not a float) or a string of ASCII digits (form bodies),
    inside [min_value, max_value] (max_value defaults to PostgreSQL's bigint)."""

    MAX_DIGITS = 40

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            return data
        if isinstance(data, str) and _INTEGER.fullmatch(data.strip()):
            if len(data) > self.MAX_DIGITS:
                self.fail("max_string_length")
            return int(data.strip())
        self.fail("invalid")


class DecimalStringField(serializers.RegexField):
    """A decimal number as a string of ASCII digits ("10", "2.5"): amounts, rates
    and prices. The service still checks ranges and decimals; this refuses what is not a
    plain number before it reaches Decimal (which would take "NaN", "1e400" or "1_000")."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("error_messages", {
            "invalid": _("Enter a number with digits 0-9 and an optional decimal point, "
                         "as a string (e.g. \"10\" or \"2.5\").")})
        super().__init__(DECIMAL_PATTERN, **kwargs)
        # The pattern is for the schema; the check is _DECIMAL.fullmatch below (RegexValidator's
        # search with `$` would let a trailing newline through).
        self.validators = [v for v in self.validators if not isinstance(v, RegexValidator)]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not _DECIMAL.fullmatch(value):
            self.fail("invalid")
        return value


class StrictBooleanField(serializers.BooleanField):
    """true or false (JSON), or the usual form spellings; never a number or a list."""

    def to_internal_value(self, data):
        if isinstance(data, (bool, str)):
            return super().to_internal_value(data)
        self.fail("invalid")


class AmountField(StrictCharField):
    """A token amount in integer base units, as a string of ASCII digits ("1500"), at most
    uint256. Returned as that string (the services parse it)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 78)
        kwargs.setdefault("help_text", "base units, a string of ASCII digits")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not _AMOUNT.fullmatch(value) or int(value) > UINT256_MAX:
            raise serializers.ValidationError(_("Enter a whole number of base units with digits 0-9, as a string."),
                                              code="invalid")
        return value


class AddressField(StrictCharField):
    """An Ethereum address: 0x and 40 hexadecimal digits (any case)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 42)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not _ADDRESS.fullmatch(value):
            raise serializers.ValidationError(_("Enter a wallet address: 0x and 40 hexadecimal digits."),
                                              code="invalid")
        return value


class StrictInput(serializers.Serializer):
    """An input body that refuses keys it does not define (a typo or a field the client may not
    set is a 400, not silently ignored). `refused` gives a key its own message."""

    refused: dict = {}

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        data = self.initial_data if isinstance(self.initial_data, dict) else {}
        unknown = sorted(str(key) for key in data if key not in self.fields)
        if unknown:
            raise serializers.ValidationError(
                {key: [self.refused.get(key, _("Unknown field."))] for key in unknown})
        return attrs
