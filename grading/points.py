"""The one rounding rule for grades: half-up to two decimal places, at the leaf.

design.md section 5: scores are Decimal, each leaf rounded half-up to 2 places; totals are
sums of rounded leaves (so a total never disagrees with the leaves it shows).
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_points(value: Decimal | int | str) -> Decimal:
    """`round_points(Decimal("2.345"))` is 2.35 (not 2.34, as banker's rounding gives)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
