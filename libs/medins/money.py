"""Money: Decimal with two places end to end, NUMERIC(14, 2) in the database, never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from sqlalchemy import Numeric

CENT = Decimal("0.01")
#: NUMERIC(14, 2): at most 12 digits before the point
LIMIT = Decimal(10) ** 12

#: the column type of every amount
MoneyColumn = Numeric(14, 2, asdecimal=True)


def to_money(value: Any) -> Decimal:
    """Parse an amount exactly. A JSON number arrives as a float: its shortest repr is the literal
    the client wrote (exact for any amount below 10^15 with two places), so it goes through ``str``."""
    if isinstance(value, bool):
        raise ValueError("金额格式不正确")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError("金额格式不正确") from exc
    if not amount.is_finite():
        raise ValueError("金额格式不正确")
    if abs(amount) >= LIMIT:
        raise ValueError("金额超出范围（整数部分最多12位）")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("金额最多保留两位小数")
    return amount.quantize(CENT)


Money = Annotated[Decimal, BeforeValidator(to_money), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
