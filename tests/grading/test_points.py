from decimal import Decimal

import pytest

from grading.points import round_points


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        ("2.345", "2.35"),
        ("2.335", "2.34"),
        ("2.3449", "2.34"),
        ("0.005", "0.01"),
        ("20", "20.00"),
        (7, "7.00"),
        (Decimal("13.999"), "14.00"),
    ],
)
def test_points_round_half_up_to_cents(value, rounded):
    assert round_points(value) == Decimal(rounded)
    assert str(round_points(value)) == rounded
