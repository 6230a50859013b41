"""Identity numbers: 身份证号 (GB 11643 check digit) and 统一社会信用代码 (GB 32100), via python-stdnum."""

from typing import Annotated

from pydantic import AfterValidator
from stdnum import exceptions as stdnum_exceptions
from stdnum import numdb
from stdnum.cn import ric, uscc


def validate_certno(value: str) -> str:
    """身份证号 (GB 11643): 18 characters, a real birth date, a known province, the right check digit.

    python-stdnum's ``ric.validate`` also refuses a county code that did not exist in the birth year; but
    numbers are issued with the county code current at issue, so a person born in 1980 in 北湖区 (431002,
    created 1994) holds a valid 431002… number. The county-by-year check is therefore left out.
    """
    number = ric.compact(value.strip().upper())
    try:
        if len(number) != 18:
            raise stdnum_exceptions.InvalidLength()
        if not number[:-1].isdigit():
            raise stdnum_exceptions.InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise stdnum_exceptions.InvalidChecksum()
        ric.get_birth_date(number)
        if not any("province" in props for _, props in numdb.get("cn/loc").info(number[:2] + "0000")):
            raise stdnum_exceptions.InvalidComponent()
    except stdnum_exceptions.ValidationError as exc:
        raise ValueError("身份证号码不正确（长度、出生日期、地区或校验码错误）") from exc
    return str(number)


def validate_uscc(value: str) -> str:
    """统一社会信用代码: 18 characters with the GB 32100 check character."""
    try:
        return str(uscc.validate(value.strip().upper()))
    except stdnum_exceptions.ValidationError as exc:
        raise ValueError("统一社会信用代码不正确（长度、字符或校验码错误）") from exc


def mask_certno(value: str) -> str:
    """Show the first 6 and last 4 characters only, as in logs and lists."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


CertNo = Annotated[str, AfterValidator(validate_certno)]
USCC = Annotated[str, AfterValidator(validate_uscc)]
