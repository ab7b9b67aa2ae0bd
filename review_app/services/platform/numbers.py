"""Amounts as people write them: a stored Decimal(14, 4) such as 56.8000 is shown, and put back into a
form, as 56.8 (the template's `plain_number` filter and the forms' prefill)."""

from decimal import Decimal


def plain(value: Decimal | None) -> Decimal | None:
    """The same number without trailing zeros (and never in exponent form): 56.8000 → 56.8, 10.0000 → 10.

    >>> plain(Decimal("56.8000")), plain(Decimal("10.0000")), plain(None)
    (Decimal('56.8'), Decimal('10'), None)
    """
    if value is None:
        return None
    normal = Decimal(str(value)).normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def plain_text(value: Decimal | None) -> str:
    """The number as text for a page, "—" when there is none: 56.8000 → "56.8"."""
    number = plain(value)
    return "—" if number is None else format(number, "f")
