"""Exact point arithmetic: every score is held as an integer number of hundredths.

The one rounding rule of the service lives here. Points are stored and added as
integer *cents* (hundredths of a point), so 100 - 0.3 - 0.3 - 0.3 is exactly 99.1.
Where a division is unavoidable (a reviewer mean, a ratio, a rescaled category)
the result is rounded to the nearest hundredth, halves away from zero
(ROUND_HALF_UP, as in 四舍五入), once, at the step that divides.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np

CENTS_PER_POINT = 100


def to_cents(points: Decimal | int | float | str) -> int:
    """Return ``points`` as integer hundredths, rounding half up (四舍五入)."""
    value = Decimal(str(points)) * CENTS_PER_POINT
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    """Return integer hundredths as a Decimal with two places (e.g. 9910 -> 99.10)."""
    return (Decimal(int(cents)) / CENTS_PER_POINT).quantize(Decimal("0.01"))


def format_points(cents: int) -> str:
    """Return cents as a short human string: 9910 -> '99.1', 1200 -> '12'."""
    text = f"{from_cents(cents):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def div_round_half_up(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """Integer division of non-negative arrays rounded half up: (2n + d) // 2d."""
    numerator = np.asarray(numerator, dtype=np.int64)
    denominator = np.asarray(denominator, dtype=np.int64)
    return (2 * numerator + denominator) // (2 * denominator)
