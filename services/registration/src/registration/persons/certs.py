"""身份证件类型 (``cert_type``) and how each kind of number is checked, no I/O.

The guides accept as 有效身份证件 「身份证、居住证、户口簿、护照、港澳居民来往内地通行证、港澳台居民居住证、
外国人永久居留证等」; the special groups (港澳台人员, 外国人) join with their own documents. The codes follow
the national platform's ``psn_cert_type`` list as commonly published (01 居民身份证 … 99 其他); the
港澳台居民居住证 (issued since 2018) has no code there that the seeds or the project's references confirm, so
the project uses ``24`` for it (docs/decisions.md).
"""

import re
from datetime import date
from enum import StrEnum

from stdnum.cn import ric

from medins.ids import validate_certno


class CertType(StrEnum):
    resident_id = "01"  # 居民身份证（户口簿）
    military_officer = "02"  # 中国人民解放军军官证
    armed_police_officer = "03"  # 中国人民武装警察警官证
    hk_travel_permit = "04"  # 港澳居民来往内地通行证（香港）
    macao_travel_permit = "05"  # 港澳居民来往内地通行证（澳门）
    taiwan_travel_permit = "06"  # 台湾居民来往大陆通行证
    foreign_permanent_residence = "07"  # 外国人永久居留身份证
    foreign_passport = "08"  # 外国人护照
    disability_certificate = "09"  # 残疾人证
    martyr_family_certificate = "10"  # 军烈属证明
    foreign_employment_permit = "11"  # 外国人就业证
    hmt_residence_permit = "24"  # 港澳台居民居住证（项目编码）
    other = "99"  # 其他身份证件


CERT_TYPE_ZH = {
    CertType.resident_id: "居民身份证",
    CertType.military_officer: "军官证",
    CertType.armed_police_officer: "武警警官证",
    CertType.hk_travel_permit: "港澳居民来往内地通行证（香港）",
    CertType.macao_travel_permit: "港澳居民来往内地通行证（澳门）",
    CertType.taiwan_travel_permit: "台湾居民来往大陆通行证",
    CertType.foreign_permanent_residence: "外国人永久居留身份证",
    CertType.foreign_passport: "外国人护照",
    CertType.disability_certificate: "残疾人证",
    CertType.martyr_family_certificate: "军烈属证明",
    CertType.foreign_employment_permit: "外国人就业证",
    CertType.hmt_residence_permit: "港澳台居民居住证",
    CertType.other: "其他身份证件",
}

#: the situation (申请情形) whose extra documents a holder of this document hands in
HK_MACAO_TAIWAN = frozenset(
    {
        CertType.hk_travel_permit,
        CertType.macao_travel_permit,
        CertType.taiwan_travel_permit,
        CertType.hmt_residence_permit,
    }
)
FOREIGNER = frozenset(
    {CertType.foreign_permanent_residence, CertType.foreign_passport, CertType.foreign_employment_permit}
)

_HMT_PREFIXES = ("810000", "820000", "830000")  # 香港、澳门、台湾居民的居住证号码前六位
_HK_MACAO_PERMIT = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN_PERMIT = re.compile(r"^\d{8}(\d{2})?$")
_PR_2017 = re.compile(r"^[A-Z]{3}\d{12}$")
_OTHER = re.compile(r"^[0-9A-Z\-]{5,30}$")


def _gb11643(number: str, message: str) -> str:
    """An 18-character number with the GB 11643 check digit and a real birth date at positions 7–14."""
    if len(number) != 18 or not number[:-1].isdigit() or number[-1] != ric.calc_check_digit(number):
        raise ValueError(message)
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValueError(message) from exc
    return number


def validate_document(cert_type: str, value: str) -> str:
    """The normalised number of a document of ``cert_type``, or ``ValueError`` with a Chinese message."""
    number = re.sub(r"\s", "", value).upper()
    kind = CertType(cert_type)
    if kind is CertType.resident_id:
        return validate_certno(number)
    if kind is CertType.hmt_residence_permit:
        if not number.startswith(_HMT_PREFIXES):
            raise ValueError("港澳台居民居住证号码应以810000（香港）、820000（澳门）或830000（台湾）开头")
        return _gb11643(number, "港澳台居民居住证号码不正确（长度、出生日期或校验码错误）")
    if kind is CertType.foreign_permanent_residence:
        if _PR_2017.match(number):
            return number
        if number.startswith("9"):
            return _gb11643(number, "外国人永久居留身份证号码不正确（长度、出生日期或校验码错误）")
        raise ValueError("外国人永久居留身份证号码应为15位（2017版）或以9开头的18位（2023版）")
    if kind in (CertType.hk_travel_permit, CertType.macao_travel_permit):
        if not _HK_MACAO_PERMIT.match(number):
            raise ValueError("港澳居民来往内地通行证号码应为H或M开头加8位（或10位）数字")
        return number
    if kind is CertType.taiwan_travel_permit:
        if not _TAIWAN_PERMIT.match(number):
            raise ValueError("台湾居民来往大陆通行证号码应为8位（或10位）数字")
        return number
    if not _OTHER.match(number):
        raise ValueError("证件号码格式不正确（5至30位字母、数字）")
    return number


def birth_month(cert_type: str, number: str) -> str | None:
    """出生年月 read from the number where the document carries it (身份证, 居住证, 2023版永久居留证)."""
    kind = CertType(cert_type)
    carries = kind in (CertType.resident_id, CertType.hmt_residence_permit) or (
        kind is CertType.foreign_permanent_residence and len(number) == 18
    )
    return f"{number[6:10]}-{number[10:12]}" if carries and len(number) == 18 else None


def special_group(cert_type: str) -> str | None:
    """The special-group situation of a document holder: ``hk_macao_taiwan``, ``foreigner`` or None."""
    kind = CertType(cert_type)
    if kind in HK_MACAO_TAIWAN:
        return "hk_macao_taiwan"
    if kind in FOREIGNER:
        return "foreigner"
    return None
