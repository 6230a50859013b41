"""Identity numbers: 身份证号 (GB 11643 check digit) and 统一社会信用代码 (GB 32100), via python-stdnum."""

from typing import Annotated

from pydantic import AfterValidator
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc


def validate_certno(value: str) -> str:
    """身份证号: 18 characters, valid birth date and region, correct check digit."""
    try:
        return str(ric.validate(value.strip().upper()))
    except stdnum_exceptions.ValidationError as exc:
        raise ValueError("身份证号码不正确（长度、出生日期或校验码错误）") from exc


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
