"""The register's own amount check refuses what is not a positive uint256 of ASCII digits,
whatever the caller (page, API, script) passed: a 400 invalid_amount, never a 500."""

from decimal import Decimal

import pytest

from core.errors import ApplicationError
from ledger.services.validation import clean_amount


@pytest.mark.parametrize("amount", ["²", "١٢", "３", "1_000", "1e3", "", " ", "-5", "0", 0, -1, True,
                                    Decimal("1.5"), Decimal("NaN"), 2**256, str(2**256), None, [1]])
def test_what_is_not_a_positive_whole_number_is_invalid_amount(amount):
    with pytest.raises(ApplicationError) as raised:
        clean_amount(amount)
    assert raised.value.code == "invalid_amount"


@pytest.mark.parametrize(("amount", "expected"), [("12", 12), (" 7 ", 7), (5, 5), (Decimal("3"), 3),
                                                  (2**256 - 1, 2**256 - 1)])
def test_positive_whole_numbers_pass(amount, expected):
    assert clean_amount(amount) == expected
