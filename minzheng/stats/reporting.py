"""How figures are written in pages and reports (Chinese conventions).

Counts are whole numbers; 万元 and % have two decimals (reports); the quarterly statutory form
writes 万元 with one decimal, rounded half-up from the exact yuan sum (never from the already
rounded two-decimal figure).
"""

from decimal import ROUND_HALF_UP, Decimal

from .registry import MONEY_UNIT, RATE_UNIT

EMPTY = "—"
NO_RECORDS = "暂无记录"


def format_value(value, unit: str = "", *, empty: str = EMPTY) -> str:
    if value is None:
        return empty
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        if unit in (MONEY_UNIT, RATE_UNIT) or value != value.to_integral_value():
            return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"
        return str(int(value))
    return str(value)


def with_unit(value, unit: str, *, empty: str = NO_RECORDS) -> str:
    """908户, 1366.73万元, 98.74%."""
    if value is None:
        return empty
    return f"{format_value(value, unit)}{unit}"


def wan_yuan_one_decimal(yuan) -> Decimal | None:
    """Yuan → 万元 with ONE decimal, half-up from the exact yuan sum (statutory forms)."""
    if yuan is None:
        return None
    return (Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
