"""样表14–16 as printable documents: every field of the form, labelled as the form labels it.

The result has the shape ``medins.documents.render_pdf`` prints (form, title, fields of key / label /
value, agency, date), so the case routes serve it as JSON and as PDF like every receipt and notice.
"""

from typing import Any

from transfer.transfers.documents import (
    HOUSEHOLD_ZH,
    INSUTYPE_ZH,
    SEX_ZH,
    InsuranceCertificate,
    InsuranceInfoTable,
    InsuredPeriodRow,
    TransferLetter,
)
from transfer.transfers.domain import CERTIFICATE_DIGITS, LETTER_DIGITS, parse_number

CERTIFICATE_FORM, LETTER_FORM, TABLE_FORM = "样表14", "样表15", "样表16"

CERTIFICATE_NOTES = "\n".join(
    (
        "1．本凭证是根据国家有关规定制发，是参保的权益记录以及申请办理基本医疗保险关系转移接续的重要凭证，请妥善保存。",
        "2．跨统筹地区流动就业人员，有接收单位的，将此凭证交由单位按照规定办理参保手续。",
        "3．其他跨统筹地区流动就业人员，应携带此凭证及有效证件在3个月内到指定办理机构办理相关登记手续。",
        "4．本凭证如不慎遗失，请与出具此凭证的医疗保障经办机构联系，申请补办。",
    )
)
LETTER_BODY = (
    "原在你处的参保人员，因流动就业等原因，现申请将其基本医疗保险关系转移至我处。若无不妥，请按相关规定办理转移手续。"
)


YES_NO = {"yes": "是", "no": "否"}


def _checkbox(options: dict[str, str], chosen: str | None) -> str:
    """▣ before the chosen option, □ before the others (the embedded font has no ☑)."""
    return " ".join(("▣" if key == chosen else "□") + label for key, label in options.items())


def _ym(month: str) -> str:
    year, mon = month.split("-")
    return f"{year}年{mon}月"


def _form(code: str, title: str, fields: list[tuple[str, str, Any]], agency: str, day: str) -> dict[str, Any]:
    return {
        "form": code,
        "title": title,
        "fields": [{"key": k, "label": label, "value": value} for k, label, value in fields],
        "fixed_keys": [],
        "agency": agency,
        "date": day,
    }


def certificate_form(cert: InsuranceCertificate, region_name: str) -> dict[str, Any]:
    """《…基本医疗保险参保凭证》 (样表14)."""
    agency = cert.agency
    number = parse_number(cert.certificate_no, width=CERTIFICATE_DIGITS).display(region_name, CERTIFICATE_DIGITS)
    household = _checkbox(HOUSEHOLD_ZH, cert.household_type) if cert.household_type else ""
    fields = [
        ("certificate_no", "凭证号", number),
        ("issued_on", "生成日期", cert.issued_on.isoformat()),
        ("name", "参保人姓名", cert.name),
        ("certno", "身份证件号码", cert.certno),
        ("household_place", "户籍所在地", cert.household_place or ""),
        ("household_type", "户籍类型", household),
        ("insutype", "基本医疗保险类型", INSUTYPE_ZH[cert.insutype]),
        ("origin", "转出地", f"{cert.origin_name}（{cert.origin_region}）"),
        ("period", "参保时间", f"起 {_ym(cert.period_start)} 止 {_ym(cert.period_end)}"),
        ("cumulative_months", "其中累计实际缴费月数", f"{cert.cumulative_months} 月"),
        ("balance", "个人账户余额", f"（大写）{cert.balance_in_capitals}（小写）￥{cert.balance:.2f}"),
        ("agency_name", "机构名称（盖章）", agency.name),
        ("agency_address", "地址", agency.address),
        ("agency_admdvs", "行政区划代码", agency.admdvs),
        ("agency_postcode", "邮政编码", agency.postcode),
        ("agency_contact", "联系人", agency.contact),
        ("agency_phone", "联系电话", agency.phone),
        ("notes", "注意事项", CERTIFICATE_NOTES),
    ]
    title = f"{region_name}基本医疗保险参保凭证"
    return _form(CERTIFICATE_FORM, title, fields, agency.name, cert.issued_on.isoformat())


def letter_form(letter: TransferLetter, region_name: str) -> dict[str, Any]:
    """《基本医疗保险关系转移接续联系函》 (样表15), as the transfer-in agency issues it."""
    agency = letter.destination_agency
    number = parse_number(letter.letter_no, width=LETTER_DIGITS).display(region_name, LETTER_DIGITS)
    insutype = _checkbox({"310": "职工医保", "390": "城乡居民医保", "other": "其他（请说明）"}, letter.current_insutype)
    if letter.current_insutype == "other" and letter.current_insutype_note:
        insutype += f"：{letter.current_insutype_note}"
    fields = [
        ("note", "", "（此表由转入地医疗保障经办机构填写并提供给转出地医疗保障经办机构）"),
        ("letter_no", "编号", number),
        ("origin_agency_name", "转出地医疗保障经办机构名称", letter.origin_agency_name),
        ("body", "", LETTER_BODY),
        ("name", "姓名", letter.name),
        ("sex", "性别", SEX_ZH[letter.sex]),
        ("age", "年龄", str(letter.age)),
        ("phone", "联系电话", letter.phone or ""),
        ("certno", "身份证件号码", letter.certno),
        ("household_type", "户籍类型", _checkbox(HOUSEHOLD_ZH, letter.household_type)),
        ("transfer_account", "是否需要转移个人账户", _checkbox(YES_NO, "yes" if letter.transfer_account else "no")),
        ("current_insutype", "现参加的基本医疗保险类型", insutype),
        ("account_name", "开户全称", agency.account_name),
        ("bank_code", "开户银行行号", agency.bank_code),
        ("bank_name", "开户银行", agency.bank_name),
        ("account_no", "银行账号", agency.account_no),
        ("agency_address", "机构地址", agency.address),
        ("agency_postcode", "邮政编码", agency.postcode),
        ("agency_admdvs", "行政区划代码", agency.admdvs),
        ("handler", "经办人（签章）", letter.handler),
        ("agency_name", "转入地医疗保障经办机构名称（章）", agency.name),
        ("agency_phone", "联系电话", agency.phone),
        ("issued_on", "日期", letter.issued_on.isoformat()),
    ]
    return _form(LETTER_FORM, "基本医疗保险关系转移接续联系函", fields, agency.name, letter.issued_on.isoformat())


def _row(number: int, row: InsuredPeriodRow) -> str:
    remark = row.remark or ""
    return (
        f"序号{number}｜（1）时间：自{_ym(row.start_month)}至{_ym(row.end_month)}｜（2）基本医疗保险类型："
        f"{INSUTYPE_ZH[row.insutype]}｜（3）参保缴费月数小计：{row.months}｜（4）统筹地区经办机构名称："
        f"{row.agency_name}｜（5）统筹地区经办机构行政区划代码：{row.admdvs}｜（6）备注：{remark}"
    )


def info_table_form(table: InsuranceInfoTable) -> dict[str, Any]:
    """《参保人员基本医疗保险信息表》 (样表16), as the transfer-out agency issues it."""
    rows = [_row(n, row) for n, row in enumerate(table.periods, start=1)]
    fields: list[tuple[str, str, Any]] = [
        ("note", "", "（此表由转出地医疗保障经办机构提供给转入地医疗保障经办机构）"),
        ("letter_no", "《联系函》编号", table.letter_no),
        ("name", "参保人员姓名", table.name),
        ("certno", "身份证件号码", table.certno),
        ("sex", "性别", SEX_ZH[table.sex]),
        ("periods", "参保缴费情况", "\n".join(rows) if rows else "无"),
        ("total_months", "参保缴费月数合计", str(table.total_months)),
        (
            "transferred_amount",
            "基本医疗保险个人账户实际转出资金",
            f"（大写）{table.amount_in_capitals}（小写）￥{table.transferred_amount:.2f}",
        ),
        ("remittance_no", "资金划转流水号", table.remittance_no or "（无余额划转）"),
        ("handler", "经办人（签章）", table.handler),
        ("phone", "联系电话", table.phone),
        ("agency_name", "医疗保障经办机构（章）", table.agency_name),
        ("issued_on", "日期", table.issued_on.isoformat()),
    ]
    return _form(TABLE_FORM, "参保人员基本医疗保险信息表", fields, table.agency_name, table.issued_on.isoformat())
