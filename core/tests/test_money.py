"""Money is a Decimal in a known currency, quantized to its minor unit; token amounts are
integers in base units; pro-rata splits add up to the total, to the last unit."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ApplicationError
from core.money import UINT256_MAX, Money, allocate, from_base_units, to_base_units


def _code(excinfo) -> str:
    return excinfo.value.code


# --- Money -----------------------------------------------------------------------------


def test_yen_has_no_minor_unit_and_dollars_have_two():
    yen = Money("1500", "JPY")
    dollars = Money("12.3", "USD")

    assert yen.amount == Decimal("1500")
    assert yen.amount.as_tuple().exponent == 0
    assert dollars.amount == Decimal("12.30")
    assert dollars.amount.as_tuple().exponent == -2
    assert str(dollars) == "12.30 USD"


def test_a_trailing_zero_beyond_the_minor_unit_is_not_extra_precision():
    assert Money("100.000", "USD").amount == Decimal("100.00")
    assert Money(Decimal("7.0"), "JPY").amount == Decimal("7")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(0.1, "USD")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.005", "USD"), ("0.5", "JPY"), ("1.001", "USD")],
)
def test_money_refuses_more_decimals_than_the_currency_has(amount, currency):
    with pytest.raises(ApplicationError) as excinfo:
        Money(amount, currency)
    assert _code(excinfo) == "invalid_amount"


def test_money_refuses_an_unknown_currency():
    with pytest.raises(ApplicationError) as excinfo:
        Money("10", "EUR")
    assert _code(excinfo) == "invalid_currency"


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", "twelve", ""])
def test_money_refuses_what_is_not_a_finite_number(amount):
    with pytest.raises(ApplicationError) as excinfo:
        Money(amount, "USD")
    assert _code(excinfo) == "invalid_amount"


def test_same_currency_amounts_add_subtract_and_compare():
    a, b = Money("10.25", "USD"), Money("0.75", "USD")
    assert a + b == Money("11.00", "USD")
    assert b - a == Money("-9.50", "USD")
    assert (b - a).is_negative()
    assert b < a and b <= a and not a < b


@pytest.mark.parametrize(
    "combine",
    [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a < b, lambda a, b: a <= b],
    ids=["add", "sub", "lt", "le"],
)
def test_money_refuses_to_mix_currencies(combine):
    with pytest.raises(ApplicationError) as excinfo:
        combine(Money("100", "JPY"), Money("1.00", "USD"))
    assert _code(excinfo) == "currency_mismatch"


def test_computed_values_round_half_even_to_the_minor_unit():
    assert Money.rounded(Decimal("1.005"), "USD").amount == Decimal("1.00")
    assert Money.rounded(Decimal("1.015"), "USD").amount == Decimal("1.02")
    assert Money.rounded("2.5", "JPY").amount == Decimal("2")
    assert Money.rounded("3.5", "JPY").amount == Decimal("4")
    with pytest.raises(TypeError):
        Money.rounded(1.005, "USD")


# --- token amounts in base units -------------------------------------------------------


def test_token_amounts_scale_to_integer_base_units_and_back():
    assert to_base_units("1.5", 18) == 1_500_000_000_000_000_000
    assert to_base_units(Decimal("42"), 0) == 42
    assert to_base_units("0", 18) == 0
    assert from_base_units(1_500_000_000_000_000_000, 18) == Decimal("1.5")
    assert from_base_units(42, 0) == Decimal("42")


def test_large_amounts_keep_every_digit():
    """Ten billion tokens and a fraction at 18 decimals is 29 digits: more than Decimal's
    default 28-digit context holds."""
    assert to_base_units("12345678901.123456789012345678", 18) == 12345678901123456789012345678
    assert from_base_units(12345678901123456789012345678, 18) == Decimal("12345678901.123456789012345678")


def test_the_largest_uint256_is_accepted_and_one_more_is_refused():
    assert to_base_units(str(UINT256_MAX), 0) == UINT256_MAX
    assert from_base_units(UINT256_MAX, 0) == Decimal(UINT256_MAX)
    with pytest.raises(ApplicationError) as excinfo:
        to_base_units(str(UINT256_MAX + 1), 0)
    assert _code(excinfo) == "invalid_amount"
    with pytest.raises(ApplicationError):
        to_base_units("1e999999", 18)


@pytest.mark.parametrize("value", ["-1", "-0.000000000000000001", "-1e30"])
def test_negative_token_amounts_are_refused(value):
    with pytest.raises(ApplicationError) as excinfo:
        to_base_units(value, 18)
    assert _code(excinfo) == "invalid_amount"


def test_fractions_of_a_base_unit_are_refused():
    with pytest.raises(ApplicationError) as excinfo:
        to_base_units("0.0000000000000000001", 18)
    assert _code(excinfo) == "invalid_amount"
    with pytest.raises(ApplicationError):
        to_base_units("1." + "0" * 120 + "1", 18)


def test_token_amounts_refuse_floats_and_non_integers():
    with pytest.raises(TypeError):
        to_base_units(1.5, 18)
    with pytest.raises(TypeError):
        from_base_units(Decimal("1"), 18)
    with pytest.raises(TypeError):
        from_base_units(True, 18)
    with pytest.raises(ApplicationError):
        to_base_units("NaN", 18)


@given(units=st.integers(min_value=0, max_value=UINT256_MAX), decimals=st.integers(min_value=0, max_value=36))
def test_base_units_round_trip_exactly(units, decimals):
    assert to_base_units(from_base_units(units, decimals), decimals) == units


# --- pro-rata allocation ---------------------------------------------------------------


def test_allocation_gives_the_leftover_units_to_the_largest_remainders():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]  # ties go to the earlier weight
    assert allocate(10, [1, 2, 3, 4]) == [1, 2, 3, 4]
    assert allocate(7, [0, 5, 0, 2]) == [0, 5, 0, 2]
    assert allocate(5, [2, 3, 5]) == [1, 2, 2]  # exact shares 1.0, 1.5, 2.5: remainders .5 tie, earlier wins


@given(
    total=st.integers(min_value=0, max_value=10**30),
    weights=st.lists(st.integers(min_value=0, max_value=10**24), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
)
def test_allocated_parts_sum_to_the_total_and_stay_within_one_unit_of_the_exact_share(total, weights):
    parts = allocate(total, weights)
    denominator = sum(weights)

    assert len(parts) == len(weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert part >= 0
        # |part - total*weight/denominator| < 1, in integers
        assert abs(part * denominator - total * weight) < denominator
        if weight == 0:
            assert part == 0


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (10, [1, -1]), (10, [0, 0]), (10, [])])
def test_allocation_refuses_negative_or_empty_weights(total, weights):
    with pytest.raises(ApplicationError) as excinfo:
        allocate(total, weights)
    assert _code(excinfo) == "invalid_amount"


@pytest.mark.parametrize("amount", ["1e40", "99999999999999999999999999999", Decimal("-1E+30")])
@pytest.mark.parametrize("currency", ["JPY", "USD"])
def test_an_amount_beyond_decimal_precision_is_refused_not_a_crash(amount, currency):
    with pytest.raises(ApplicationError) as refused:
        Money(amount, currency)
    assert refused.value.code == "amount_too_large"
    with pytest.raises(ApplicationError) as refused:
        Money.rounded(amount, currency)
    assert refused.value.code == "amount_too_large"


@pytest.mark.parametrize("text", ["1_000", "١٢", "²", "１２", "NaN", "Infinity", "12abc", "", "1 000"])
def test_text_that_is_not_ascii_decimal_is_invalid_amount(text):
    with pytest.raises(ApplicationError) as raised:
        Money(text, "JPY")
    assert raised.value.code == "invalid_amount"
