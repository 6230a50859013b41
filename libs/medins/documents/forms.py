"""The field sets of the Xuzhou standard's paper forms, as data.

附录 A 表 A.1 未予受理一次性告知单 (one-time notice of non-acceptance) and 附录 B 表 B.1–B.13
业务回执单 (business receipts). Both appendices are 「资料性」 (informative): the field sets are treated as
required content, the printed layout as informative, so only the fields and their order are kept here.

Each field is a ``Field(key, label)`` pair in the order the seed's table reads (left to right, top to
bottom). Labels are verbatim from the seed, a trailing 「：」 kept where the seed has one. Two kinds of
field are not filled in by the caller:

- fixed texts (说明, 温馨提醒, 承诺事项, the 「一式两联」 side note): their text is in ``Form.fixed``;
- list fields (materials, 变更前信息 / 变更后信息): their value is a list of lines, ``Form.lists``.

A fixed text is the seed's text with its paragraphs (「<p>」, or the space before 「2、」) as newlines.

Keys are the same across forms for the same thing (``certno`` is always the ID number, ``materials``
the materials line whatever the form calls it, ``accepted_on`` the acceptance date).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Field(NamedTuple):
    """One labelled cell of a form: the key used in data, the Chinese label printed on the form."""

    key: str
    label: str


@dataclass(frozen=True)
class Form:
    """One form of the appendices: its number (A.1, B.1 …), title and fields in the form's order."""

    code: str
    title: str
    fields: tuple[Field, ...]
    fixed: Mapping[str, str] = field(default_factory=dict)
    lists: frozenset[str] = frozenset()
    date_key: str = "accepted_on"

    def __post_init__(self) -> None:
        keys = [f.key for f in self.fields]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.code}: duplicate field keys")
        strays = (set(self.fixed) | self.lists | {self.date_key}) - set(keys)
        if strays:
            raise ValueError(f"{self.code}: not fields of the form: {sorted(strays)}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def fillable(self) -> tuple[str, ...]:
        """The keys a caller may give values for (every field but the fixed texts)."""
        return tuple(f.key for f in self.fields if f.key not in self.fixed)


class NoticeForm(Form):
    """告知单: the notice of Appendix A."""


class ReceiptForm(Form):
    """回执单: a receipt of Appendix B."""


def _fields(*pairs: tuple[str, str]) -> tuple[Field, ...]:
    return tuple(Field(key, label) for key, label in pairs)


# The side note of A.1, B.6 and B.10 (A.1's extraction breaks it over a narrow column: 「本单 据一 式两
# 联① 医保 中心 留存 ②报 送人 留存」; B.10 has it unbroken, B.6 with spaces before ① and ②).
_COPIES = "本单据一式两联①医保中心留存②报送人留存"

NOTICE_A1 = NoticeForm(
    code="A.1",
    title="未予受理一次性告知单",
    fields=_fields(
        ("name", "姓 名"),
        ("certno", "身份证号"),
        ("business_type", "业务类型"),
        ("copies", ""),
        ("refusal_reason", "未受理原因"),
        ("present_materials", "现 有 材 料"),
        ("missing_materials", "缺 少 材 料"),
        ("remarks", "备注"),
        ("submitter", "报送人"),
        ("phone", "联系电话"),
        ("reminder", "温馨提醒"),
        ("agency", "经办单位："),
        ("handled_by", "经办人员："),
        ("handled_on", "经办日期："),
    ),
    fixed={
        "copies": _COPIES,
        "reminder": "徐州医保中心所有业务均实现网上受理，请登录“徐州医保”微信公众号体验“不见面”服务。",
    },
    lists=frozenset({"present_materials", "missing_materials"}),
    date_key="handled_on",
)

_CHANGE_LISTS = frozenset({"materials", "before", "after"})

B8_COMMITMENT = "\n".join(
    (
        "本人确因工作或居住需要前往异地城市，但因无法即时提供异地居住证明材料，现以个人信用为担保，申请办理异地就医备案。",
        "本人承诺：",
        "（一）本人已阅知并同意参保地告知事项和承诺事项的全部内容，并承诺属于适用情形；",
        "（二）如有不实，本人愿意承担相关法律责任和失信后果；",
        "（三）本人已知晓基本医疗保险相关政策，异地就医过程愿意遵守相关规定；",
        "（四）上述承诺是本人真实意思的表示。",
    )
)

B9_REMINDER = "\n".join(
    (
        "1、办理时限：报送材料齐全且符合规定的，医保中心于 10 个（特殊情况不超过 20 个）工作日内完成单据结算。",
        "2、网上办理：关注“徐州医保”微信公众号，网上预审核通过后，材料邮寄至医保中心，同时可查询医疗费用报销结果。",
        "3、开通异地门诊刷卡地区查询方式：办理异地（转诊转院）就医手续后，全国范围内住院均可刷卡结算，"
        "大部分地区门诊已开通刷卡结算，请持医保电子凭证或社保卡就医。",
        "目前已开通门诊刷卡地区的查询方式：下载“国家医保服务平台”APP，"
        "“首页”--“异地就医”--“门诊查询”--“试点地区门诊开通情况查询”。",
    )
)

RECEIPT_FORMS: dict[str, ReceiptForm] = {
    form.code: form
    for form in (
        ReceiptForm(
            code="B.1",
            title="参保登记回执单",
            fields=_fields(
                ("unit_name", "单位名称"),
                ("unit_code", "单位代码"),
                ("uscc", "统一社会信用代码"),
                ("business_type", "业务类型"),
                ("legal_rep_name", "法人姓名"),
                ("legal_rep_certno", "法人身份证号"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("materials", "受理材料"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人"),
                ("accepted_on", "受理日期"),
                ("explanation", "说明"),
            ),
            fixed={"explanation": "受理材料包含营业执照、法人身份证、批准成立文件或证件、经办人身份证。"},
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.2",
            title="参保信息变更登记回执单",
            fields=_fields(
                ("unit_name", "单位名称："),
                ("business_type", "业务类型"),
                ("change_date", "变更日期"),
                ("change_items", "变更项目"),
                ("materials", "已收材料"),
                ("before", "变更前信息"),
                ("after", "变更后信息"),
                ("remarks", "备注"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
                ("explanation", "说明"),
            ),
            fixed={
                "explanation": "1、业务类型为单位参保信息变更或职工参保信息变更。\n"
                "2、变更项目根据业务类型分为法人信息、单位名称、单位地址、专管员信息；姓名、身份证号码、性别、民族、出生日期。"
            },
            lists=_CHANGE_LISTS,
        ),
        ReceiptForm(
            code="B.3",
            title="单位职工参、停、退保回执单",
            fields=_fields(
                ("unit_name", "单位名称："),
                ("business_type", "业务类型"),
                ("headcount", "登记人数"),
                ("reason", "受理原因"),
                ("materials", "已收材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("email", "电子邮箱"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
                ("explanation", "说明"),
            ),
            fixed={
                "explanation": "业务类型包括单位保险暂停后恢复、职工参保登记、职工停保、职工退保、退休、缴费基数调整。"
            },
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.4",
            title="灵活就业人员参、停、退保回执单",
            fields=_fields(
                ("name", "姓名"),
                ("certno", "身份证号码"),
                ("business_type", "业务类型"),
                ("reason", "受理原因"),
                # The seed's cell wraps: 「本次参保 开始时间」; B.11 has the same label unbroken.
                ("start_date", "本次参保开始时间"),
                ("materials", "已审核材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
                ("explanation", "说明"),
            ),
            fixed={"explanation": "业务类型包括灵活就业参保登记、灵活就业暂停参保、灵活就业退保登记、灵活就业退休。"},
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.5",
            title="医疗保险费补缴、退费回执单",
            fields=_fields(
                ("unit_name", "单位名称："),
                ("business_type", "业务类型"),
                ("fee_period", "费款所属期"),
                ("employee_name", "职工姓名"),
                ("certno", "身份证号"),
                ("materials", "已收材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
                ("explanation", "说明"),
            ),
            fixed={
                "explanation": "业务类型包括单位欠费补缴、未参保缴费补缴、职工欠费补缴、灵活就业转单位参保退费、"
                "在职人员死亡退费、失业金代缴医保费退费。"
            },
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.6",
            title="职工医保账户提现受理回执单",
            fields=_fields(
                ("name", "姓名"),
                ("certno", "身份证号"),
                ("copies", ""),
                ("proxy_name", "代办人姓名"),
                ("proxy_certno", "代办人身份证号"),
                ("business_type", "业务类型"),
                ("account_balance", "个人账户余额（元）"),
                ("materials", "报送材料"),
                ("signature", "申请人/代办人（签章）"),
                ("phone", "联系电话"),
                ("reminder", "温馨提醒"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
            ),
            fixed={
                "copies": "本单据一式两联 ①医保中心留存 ②报送人留存",
                "reminder": "1、报送材料齐全且符合规定的，市医保中心于 10 个（特殊情况不超过 20 个）工作日内"
                "拨付至提供的本人银行账户里。\n2、请确保提供的银行账户已激活。",
            },
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.7",
            title="基本医疗保险转移业务登记回执单",
            fields=_fields(
                ("name", "姓名"),
                ("certno", "身份证号"),
                ("business_type", "业务类型"),
                ("region", "行政区划"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("materials", "受理材料"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人："),
                ("accepted_on", "受理日期："),
                ("explanation", "说明"),
            ),
            fixed={"explanation": "业务类型包括转入和转出。"},
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.8",
            title="异地就医承诺制备案回执单",
            fields=_fields(
                ("name", "姓名"),
                ("certno", "身份证号"),
                ("category", "登记类别"),
                ("province", "异地省份"),
                ("city", "异地城市"),
                ("commitment", "承诺事项"),
                # Printed right-aligned at the foot of the 承诺事项 cell: the signature of the commitment.
                ("promisor", "承诺人："),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("handled_by", "经办人员："),
                ("accepted_on", "受理日期："),
            ),
            fixed={"commitment": B8_COMMITMENT},
        ),
        ReceiptForm(
            code="B.9",
            title="医疗费用手工（零星）报销受理回执单",
            fields=_fields(
                ("unit_name", "单位名称："),
                ("copies", ""),
                ("name", "姓名"),
                ("business_type", "业务类型"),
                ("certno", "身份证号码"),
                ("invoice_type", "发票类型"),
                ("invoice_count", "发票张数"),
                ("sheet_count", "收取材料张数"),
                ("materials", "申报材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("reminder", "温馨提醒"),
                ("agency", "经办单位："),
                ("accepted_on", "受理日期："),
            ),
            fixed={"copies": "此回执单为两联：一联市医保中心留存，一联单位（个人）留存。", "reminder": B9_REMINDER},
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.10",
            title="职工生育保险业务受理回执单",
            fields=_fields(
                ("unit_name", "单位名称："),
                ("copies", ""),
                ("name", "姓名"),
                ("certno", "身份证号码"),
                ("benefit_type", "待遇类型"),
                ("materials", "申报材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("reminder", "温馨提醒"),
                ("agency", "经办单位："),
                ("handled_by", "经办人员："),
                ("accepted_on", "受理日期："),
            ),
            fixed={
                "copies": _COPIES,
                "reminder": "徐州医保生育医疗费报销、生育各项待遇申报均已实现全网办，"
                "敬请通过“江苏省医疗保障局网上服务大厅”“徐州医保”微信公众号体验“不见面”服务。",
            },
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.11",
            title="城乡居民医保参保登记回执单",
            fields=_fields(
                ("name", "姓名"),
                ("certno", "身份证号码"),
                ("business_type", "业务类型"),
                ("reason", "受理原因"),
                ("start_date", "本次参保开始时间"),
                ("materials", "已审核材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("supplement", "补充说明"),
                ("accepted_by", "受理人"),
                ("accepted_on", "受理日期"),
            ),
            lists=frozenset({"materials"}),
        ),
        ReceiptForm(
            code="B.12",
            title="城乡居民医保参保信息变更登记回执单",
            fields=_fields(
                ("business_type", "业务类型"),
                ("change_date", "变更日期"),
                ("change_items", "变更项目"),
                ("materials", "已收材料"),
                ("before", "变更前信息"),
                ("after", "变更后信息"),
                ("remarks", "备注"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("accepted_by", "受理人"),
                ("accepted_on", "受理日期"),
            ),
            lists=_CHANGE_LISTS,
        ),
        ReceiptForm(
            code="B.13",
            title="基本医疗保险个人账户家庭共济业务回执单",
            fields=_fields(
                ("grantor_name", "授权人姓名"),
                ("grantor_certno", "授权人身份证号"),
                # The seed's cell wraps: 「授权 开始时间」.
                ("grant_start", "授权开始时间"),
                ("relationship", "亲属关系"),
                ("user_name", "使用人姓名"),
                ("user_certno", "使用人身份证号"),
                ("materials", "审核材料"),
                ("declarant", "申报人"),
                ("phone", "联系电话"),
                ("remarks", "备注"),
                ("accepted_by", "受理人"),
                ("accepted_on", "受理日期"),
            ),
            lists=frozenset({"materials"}),
        ),
    )
}

#: The project's own general receipt (业务回执单) for items the Xuzhou standard gives no form for. Not a form
#: of the standard: its fields are the ones every B form shares, plus the deadline the applicant is promised.
GENERAL_RECEIPT = ReceiptForm(
    code="R",
    title="业务回执单",
    fields=_fields(
        ("name", "申请人"),
        ("certno", "证件号码"),
        ("business_type", "业务类型"),
        ("case_no", "办件编号"),
        ("materials", "受理材料"),
        ("deadline", "承诺办结日期"),
        ("declarant", "申报人"),
        ("phone", "联系电话"),
        ("accepted_by", "受理人"),
        ("accepted_on", "受理日期"),
    ),
    lists=frozenset({"materials"}),
)
