"""金额大写: an amount of yuan in Chinese capital numerals, as cheques and the 参保凭证/信息表 print it.

The rules of 《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》: 壹拾 (never a bare 拾); one
零 for a run of zeros inside the number; 元 followed by 整 when there are no 角 and 分; 零 between 元 and
分 when 角 is zero; no 零 needed where a 万 or 元 position is zero but the next digit is not (the rules
allow either; this writes the shorter form, e.g. 1680.32 → 壹仟陆佰捌拾元叁角贰分).
"""

from decimal import Decimal

from medins.money import to_money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ("仟", "佰", "拾", "")
_GROUPS = ("", "万", "亿", "万亿")
#: the largest amount a NUMERIC(14, 2) column holds, and so the largest written here
MAX_AMOUNT = Decimal("999999999999.99")


def _group(number: int) -> str:
    """1..9999 with 仟佰拾, one 零 for a run of zeros between digits (1004 → 壹仟零肆)."""
    out, zero = "", False
    for position, unit in enumerate(_IN_GROUP):
        digit = number // 10 ** (3 - position) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + unit
    return out


def _integer(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10_000)
        number //= 10_000
    out, started, gap = "", False, False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = started
            continue
        if started and (gap or group < 1000):
            out += "零"
        out += _group(group) + _GROUPS[index]
        started, gap = True, False
    return out


def yuan_in_capitals(amount: Decimal | int | str) -> str:
    """1234.56 → 壹仟贰佰叁拾肆元伍角陆分; 0 → 零元整. Negative amounts and more than two places are refused."""
    value = to_money(amount)
    if value < 0:
        raise ValueError("金额不能为负数")
    if value > MAX_AMOUNT:
        raise ValueError("金额超出可书写范围")
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    out = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return out
