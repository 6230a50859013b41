"""Reading a school's or community's 汇总表 (样表6) uploaded as a CSV file, row by row, no I/O.

Every data row becomes either a valid ``ResidentRow`` or a refusal naming its line and every reason, in
Chinese. A file that cannot be read as a table at all (encoding, no header, no 姓名 / 身份证号码 column) is
refused as a whole.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from medins.errors import ProblemError
from medins.ids import mask_certno
from registration.residents.forms import IDENTITY_ZH, SUBSIDY_ZH, ResidentRow

MAX_ROWS = 5000

#: header cell (样表6 wording, common variants, or the English key) → field
COLUMNS = {
    "序号": "seq",
    "姓名": "name",
    "性别": "sex",
    "户籍所在地": "household_address",
    "参保身份": "identity",
    "申请人身份": "identity",
    "身份证号码": "certno",
    "身份证号": "certno",
    "身份证件号码": "certno",
    "证件号码": "certno",
    "身份证件类型": "cert_type",
    "证件类型": "cert_type",
    "联系电话": "phone",
    "补助类别": "subsidy_category",
    "财政补助对象": "subsidy_category",
    "本年缴费": "annual_contribution",
    "实际缴费时间": "paid_on",
    "备注": "remarks",
}
REQUIRED = ("name", "certno")
LABELS = {
    "name": "姓名",
    "sex": "性别",
    "household_address": "户籍所在地",
    "identity": "参保身份",
    "certno": "身份证号码",
    "cert_type": "证件类型",
    "phone": "联系电话",
    "subsidy_category": "补助类别",
    "annual_contribution": "本年缴费",
    "paid_on": "实际缴费时间",
    "remarks": "备注",
}
SEX = {"男": "1", "女": "2", "1": "1", "2": "2"}
IDENTITY = {zh: key for key, zh in IDENTITY_ZH.items()} | {
    "中小学儿童": "child",
    "幼儿园儿童": "child",
    "学生": "child",
}
SUBSIDY = {zh: key for key, zh in SUBSIDY_ZH.items()} | {"无": None, "": None}


class BatchFileInvalid(ProblemError):
    status = 422
    code = "batch_file_invalid"
    title = "汇总表文件无法读取"


@dataclass
class RowReport:
    line: int
    name: str | None
    certno: str | None  # masked
    accepted: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "name": self.name,
            "certno": self.certno,
            "status": "accepted" if self.accepted else "refused",
            "reasons": self.reasons,
        }


@dataclass
class ParsedBatch:
    rows: list[ResidentRow]
    reports: list[RowReport]

    @property
    def refused(self) -> list[RowReport]:
        return [r for r in self.reports if not r.accepted]


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB 18030 as spreadsheets in Chinese Windows save CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BatchFileInvalid("文件编码无法识别，请另存为UTF-8或GBK编码的CSV文件")


def _date(value: str) -> date | str:
    text = value.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return value  # pydantic reports it


def _message(error: dict[str, Any]) -> str:
    where = LABELS.get(str(error["loc"][0]), "") if error.get("loc") else ""
    kind = str(error.get("type", ""))
    if kind == "value_error":
        text = str(error["msg"]).removeprefix("Value error, ")
    elif kind == "missing":
        text = "不能为空"
    elif kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        text = "日期格式不正确（如 2026-09-01）"
    elif kind == "string_pattern_mismatch":
        text = "格式不正确"
    elif kind in ("enum", "literal_error"):
        text = "取值不在允许范围内"
    elif kind == "string_too_long":
        text = "内容过长"
    else:
        text = "格式不正确"
    return f"{where}{text}" if where and not text.startswith(where) else text


def parse(data: bytes, *, default_identity: str | None = None) -> ParsedBatch:
    """The rows of the file; ``default_identity`` (参保身份) for rows that leave it empty (a school's pupils)."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text))
    header: list[str | None] | None = None
    rows: list[ResidentRow] = []
    reports: list[RowReport] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [COLUMNS.get(c.strip().lstrip("\ufeff").replace(" ", "")) for c in cells]
                missing = [LABELS[k] for k in REQUIRED if k not in header]
                if missing:
                    raise BatchFileInvalid(
                        f"第{line}行表头缺少必需的列：{'、'.join(missing)}（须有「姓名」「身份证号码」）"
                    )
                continue
            if len(reports) >= MAX_ROWS:
                raise BatchFileInvalid(f"一次最多上传{MAX_ROWS}行，请分批上传")
            reports.append(_row(line, header, cells, rows, seen, default_identity))
    except csv.Error as exc:
        raise BatchFileInvalid(f"第{reader.line_num}行无法按CSV格式读取：{exc}") from exc
    if header is None:
        raise BatchFileInvalid("文件为空，没有表头和数据行")
    if not reports:
        raise BatchFileInvalid("文件只有表头，没有数据行")
    return ParsedBatch(rows, reports)


def _row(
    line: int,
    header: list[str | None],
    cells: list[str],
    rows: list[ResidentRow],
    seen: dict[str, int],
    default_identity: str | None,
) -> RowReport:
    values: dict[str, Any] = {}
    reasons = []
    if len(cells) > len(header):
        reasons.append(f"本行有{len(cells)}列，多于表头的{len(header)}列")
    for key, cell in zip(header, cells, strict=False):
        if key is None or key == "seq" or not cell.strip():
            continue
        values[key] = cell.strip()
    name, certno = values.get("name"), values.get("certno")
    if "sex" in values:
        values["sex"] = SEX.get(values["sex"], values["sex"])
    if "identity" in values:
        given = values["identity"]
        values["identity"] = IDENTITY.get(given)
        if values["identity"] is None:
            reasons.append(f"参保身份「{given}」应为{'、'.join(IDENTITY_ZH.values())}之一")
            values["identity"] = "other"
    elif default_identity is not None:
        values["identity"] = default_identity
    if "subsidy_category" in values:
        if values["subsidy_category"] not in SUBSIDY:
            reasons.append(f"补助类别应为{'、'.join(SUBSIDY_ZH.values())}之一或不填")
        values["subsidy_category"] = SUBSIDY.get(values["subsidy_category"])
    if "paid_on" in values:
        values["paid_on"] = _date(values["paid_on"])
    report = RowReport(line, name, mask_certno(certno) if certno else None, accepted=False)
    try:
        row = ResidentRow.model_validate(values | {"line": line})
    except ValidationError as exc:
        reasons += [_message(dict(e)) for e in exc.errors()]
        report.reasons = reasons
        return report
    if row.certno in seen:
        reasons.append(f"身份证号码与第{seen[row.certno]}行重复")
    if reasons:
        report.reasons = reasons
        return report
    seen[row.certno] = line
    rows.append(row)
    report.accepted = True
    report.certno = mask_certno(row.certno)
    return report
