"""Numbers typed into pages: full-width digits are folded for Japanese users, everything else
that is not plain ASCII digits is refused (issue 11, "Inputs that crash or slip through")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from core.forms import DecimalNumberField, WholeNumberField, fold_fullwidth, page_int, page_ints


class NumberForm(forms.Form):
    count = WholeNumberField(min_value=0, max_value=2**31 - 1, required=False)
    rate = DecimalNumberField(required=False)


REFUSED = ["²", "١٢", "٣", "1_000", "1,000", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "1E3", "-1", "+1",
           "0x10", "1.2.3", "1\x00", "abc", "①", "½", "9" * 81, "１²", "1 000"]


def test_full_width_ascii_is_folded_and_nothing_else():
    assert fold_fullwidth("１２３．５\u3000") == "123.5"
    assert fold_fullwidth("²١") == "²١"


@pytest.mark.parametrize("text, expected", [("12", 12), ("１２", 12), (" 7 ", 7), ("０", 0)])
def test_page_int_takes_ascii_and_full_width_digits(text, expected):
    assert page_int(text) == expected


@pytest.mark.parametrize("text", [*REFUSED, str(2**63), "", None, ["1"], {}])
def test_page_int_refuses_anything_else(text):
    assert page_int(text) is None


def test_page_ints_keeps_only_whole_numbers():
    assert page_ints(["3", "²", "１", "abc", str(10**30)]) == [3, 1]


@pytest.mark.parametrize("text, count", [("12", 12), ("１２", 12), ("2147483647", 2**31 - 1)])
def test_whole_number_field_accepts(text, count):
    form = NumberForm({"count": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["count"] == count


@pytest.mark.parametrize("text", [*REFUSED, str(2**31), str(10**30), "1.5"])
def test_whole_number_field_refuses_with_a_message(text):
    form = NumberForm({"count": text})
    assert not form.is_valid()
    assert form.errors["count"]


@pytest.mark.parametrize("text, rate", [("1.25", Decimal("1.25")), ("１．２５", Decimal("1.25")),
                                        ("100", Decimal(100))])
def test_decimal_number_field_accepts(text, rate):
    form = NumberForm({"rate": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rate"] == rate


@pytest.mark.parametrize("text", REFUSED)
def test_decimal_number_field_refuses_with_a_message(text):
    form = NumberForm({"rate": text})
    assert not form.is_valid()
    assert form.errors["rate"]


def test_empty_optional_numbers_are_none():
    form = NumberForm({"count": "", "rate": " "})
    assert form.is_valid()
    assert form.cleaned_data == {"count": None, "rate": None}


def test_number_boxes_are_text_boxes_with_a_digit_keyboard():
    html = str(NumberForm()["count"]) + str(NumberForm()["rate"])
    assert 'type="text"' in html and 'inputmode="numeric"' in html and 'inputmode="decimal"' in html
