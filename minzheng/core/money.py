"""Money is Decimal yuan with two places; reports use 万元 with two places. Rounding is half-up."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
WAN = Decimal("10000")


def quantize_money(value: Decimal | int | str) -> Decimal:
    """Round a yuan amount to fen, half-up (the rounding used for every stored amount)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_wan_yuan(value: Decimal | int | None) -> Decimal | None:
    """Yuan → 万元 with two decimals, half-up from the exact yuan sum."""
    if value is None:
        return None
    return quantize_money(Decimal(value) / WAN)
