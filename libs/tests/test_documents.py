"""The window's paper (表 A.1 notice, 表 B.1–B.13 receipts): field sets as in the seed, JSON and PDF."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from medins.documents import NOTICE_A1, RECEIPT_FORMS, notice_json, receipt_json, render_pdf, render_pdf_async

# Every label of every form, in the seed's order (seed 004, 附录 A and 附录 B). "" is the unlabelled
# 「一式两联」 side note. Fixed texts (说明, 温馨提醒, 承诺事项) are fields too.
SEED_LABELS = {
    "A.1": [
        "姓 名", "身份证号", "业务类型", "", "未受理原因", "现 有 材 料", "缺 少 材 料", "备注", "报送人", "联系电话",
        "温馨提醒", "经办单位：", "经办人员：", "经办日期：",
    ],
    "B.1": [
        "单位名称", "单位代码", "统一社会信用代码", "业务类型", "法人姓名", "法人身份证号", "申报人", "联系电话",
        "受理材料", "补充说明", "受理人", "受理日期", "说明",
    ],
    "B.2": [
        "单位名称：", "业务类型", "变更日期", "变更项目", "已收材料", "变更前信息", "变更后信息", "备注", "申报人",
        "联系电话", "受理人：", "受理日期：", "说明",
    ],
    "B.3": [
        "单位名称：", "业务类型", "登记人数", "受理原因", "已收材料", "申报人", "联系电话", "电子邮箱", "补充说明",
        "受理人：", "受理日期：", "说明",
    ],
    "B.4": [
        "姓名", "身份证号码", "业务类型", "受理原因", "本次参保开始时间", "已审核材料", "申报人", "联系电话",
        "补充说明", "受理人：", "受理日期：", "说明",
    ],
    "B.5": [
        "单位名称：", "业务类型", "费款所属期", "职工姓名", "身份证号", "已收材料", "申报人", "联系电话", "补充说明",
        "受理人：", "受理日期：", "说明",
    ],
    "B.6": [
        "姓名", "身份证号", "", "代办人姓名", "代办人身份证号", "业务类型", "个人账户余额（元）", "报送材料",
        "申请人/代办人（签章）", "联系电话", "温馨提醒", "受理人：", "受理日期：",
    ],
    "B.7": [
        "姓名", "身份证号", "业务类型", "行政区划", "申报人", "联系电话", "受理材料", "补充说明", "受理人：",
        "受理日期：", "说明",
    ],
    "B.8": [
        "姓名", "身份证号", "登记类别", "异地省份", "异地城市", "承诺事项", "承诺人：", "申报人", "联系电话",
        "经办人员：", "受理日期：",
    ],
    "B.9": [
        "单位名称：", "", "姓名", "业务类型", "身份证号码", "发票类型", "发票张数", "收取材料张数", "申报材料",
        "申报人", "联系电话", "温馨提醒", "经办单位：", "受理日期：",
    ],
    "B.10": [
        "单位名称：", "", "姓名", "身份证号码", "待遇类型", "申报材料", "申报人", "联系电话", "温馨提醒",
        "经办单位：", "经办人员：", "受理日期：",
    ],
    "B.11": [
        "姓名", "身份证号码", "业务类型", "受理原因", "本次参保开始时间", "已审核材料", "申报人", "联系电话",
        "补充说明", "受理人", "受理日期",
    ],
    "B.12": [
        "业务类型", "变更日期", "变更项目", "已收材料", "变更前信息", "变更后信息", "备注", "申报人", "联系电话",
        "受理人", "受理日期",
    ],
    "B.13": [
        "授权人姓名", "授权人身份证号", "授权开始时间", "亲属关系", "使用人姓名", "使用人身份证号", "审核材料",
        "申报人", "联系电话", "备注", "受理人", "受理日期",
    ],
}  # fmt: skip

SEED_TITLES = {
    "A.1": "未予受理一次性告知单",
    "B.1": "参保登记回执单",
    "B.2": "参保信息变更登记回执单",
    "B.3": "单位职工参、停、退保回执单",
    "B.4": "灵活就业人员参、停、退保回执单",
    "B.5": "医疗保险费补缴、退费回执单",
    "B.6": "职工医保账户提现受理回执单",
    "B.7": "基本医疗保险转移业务登记回执单",
    "B.8": "异地就医承诺制备案回执单",
    "B.9": "医疗费用手工（零星）报销受理回执单",
    "B.10": "职工生育保险业务受理回执单",
    "B.11": "城乡居民医保参保登记回执单",
    "B.12": "城乡居民医保参保信息变更登记回执单",
    "B.13": "基本医疗保险个人账户家庭共济业务回执单",
}

A1_REMINDER = "徐州医保中心所有业务均实现网上受理，请登录“徐州医保”微信公众号体验“不见面”服务。"
B1_EXPLANATION = "受理材料包含营业执照、法人身份证、批准成立文件或证件、经办人身份证。"

NOTICE_DATA = {
    "name": "张建国",
    "certno": "11010519491231002X",
    "business_type": "单位参保登记",
    "refusal_reason": "申报材料不齐全，缺少法人身份证复印件及单位开户银行账户信息",
    "present_materials": ["营业执照（副本）", "经办人身份证复印件"],
    "missing_materials": ["法人身份证复印件", "单位开户银行账户信息", "批准成立证件"],
    "remarks": "补齐材料后可通过“徐州医保”微信公众号网上办理",
    "submitter": "李秀英",
    "phone": "0516-83888888",
    "handled_by": "王晓明",
    "handled_on": date(2025, 3, 4),
}

RECEIPT_DATA = {
    "unit_name": "徐州市云龙区汉风科技有限公司",
    "unit_code": "32030012345",
    "uscc": "91110000600037341L",
    "business_type": "单位参保登记",
    "legal_rep_name": "刘邦",
    "legal_rep_certno": "11010519491231002X",
    "declarant": "萧何",
    "phone": "13951800000",
    "materials": ["营业执照", "法人身份证", "经办人身份证"],
    "supplement": "首次参保，已登记开户银行账户",
    "accepted_by": "韩信",
    "accepted_on": date(2025, 3, 5),
}


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pypdf extracts it, whitespace removed (line wraps and cell gaps vary)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def all_forms():
    return {"A.1": NOTICE_A1, **RECEIPT_FORMS}


def empty_document(code: str) -> dict:
    return notice_json({}) if code == "A.1" else receipt_json(code, {})


def test_the_forms_are_the_seeds_notice_and_thirteen_receipts():
    assert list(all_forms()) == list(SEED_LABELS)
    assert {code: form.title for code, form in all_forms().items()} == SEED_TITLES


@pytest.mark.parametrize("code", list(SEED_LABELS))
def test_every_form_has_every_field_of_the_seeds_form_in_order(code):
    assert [field.label for field in all_forms()[code].fields] == SEED_LABELS[code]
    document = empty_document(code)
    assert document["form"] == code
    assert document["title"] == SEED_TITLES[code]
    assert [field["label"] for field in document["fields"]] == SEED_LABELS[code]


def test_fixed_texts_are_printed_verbatim_and_cannot_be_filled_in():
    notice = {f["key"]: f["value"] for f in notice_json({})["fields"]}
    assert notice["reminder"] == A1_REMINDER
    assert notice["copies"] == "本单据一式两联①医保中心留存②报送人留存"
    receipt = {f["key"]: f["value"] for f in receipt_json("B.1", {})["fields"]}
    assert receipt["explanation"] == B1_EXPLANATION
    commitment = {f["key"]: f["value"] for f in receipt_json("B.8", {})["fields"]}["commitment"]
    assert commitment.startswith("本人确因工作或居住需要前往异地城市")
    assert commitment.endswith("（四）上述承诺是本人真实意思的表示。")
    with pytest.raises(ValueError, match="explanation"):
        receipt_json("B.1", {"explanation": "另有说明"})


def test_missing_values_render_as_empty():
    document = receipt_json("B.7", {"name": "赵云"})
    values = {f["key"]: f["value"] for f in document["fields"]}
    assert values["name"] == "赵云"
    assert values["certno"] == ""
    assert values["materials"] == []
    assert document["date"] == ""
    assert document["agency"] == ""


def test_unknown_field_keys_are_refused_naming_them():
    with pytest.raises(ValueError, match="hospital, legal_rep_name"):
        notice_json({"name": "张三", "legal_rep_name": "刘邦", "hospital": "徐州医院"})
    with pytest.raises(ValueError, match="certno"):  # B.1 is a unit's receipt: no person ID field
        receipt_json("B.1", {"unit_name": "某公司", "certno": "11010519491231002X"})
    with pytest.raises(ValueError, match=r"B\.14"):
        receipt_json("B.14", {})


def test_values_of_the_wrong_kind_are_refused():
    with pytest.raises(ValueError, match="account_balance"):
        receipt_json("B.6", {"account_balance": 1234.5})  # money is Decimal, never float
    with pytest.raises(ValueError, match="name"):
        receipt_json("B.6", {"name": ["张三", "李四"]})
    document = receipt_json("B.6", {"account_balance": Decimal("1234.50"), "accepted_on": date(2025, 1, 2)})
    values = {f["key"]: f["value"] for f in document["fields"]}
    assert values["account_balance"] == "1234.50"
    assert document["date"] == "2025-01-02"


def test_notice_pdf_lists_the_missing_materials_and_embeds_the_font():
    document = notice_json(NOTICE_DATA, agency="徐州市医疗保障基金结算中心")
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "未予受理一次性告知单" in text
    for label in SEED_LABELS["A.1"]:
        assert squeeze(label) in text
    for value in (
        "张建国",
        "11010519491231002X",
        "单位参保登记",
        "申报材料不齐全，缺少法人身份证复印件及单位开户银行账户信息",
        "1、营业执照（副本）",
        "2、经办人身份证复印件",
        "1、法人身份证复印件",
        "2、单位开户银行账户信息",
        "3、批准成立证件",
        "李秀英",
        "0516-83888888",
        "王晓明",
        "2025-03-04",
        "徐州市医疗保障基金结算中心",
        A1_REMINDER,
    ):
        assert squeeze(value) in text, value
    # A real font program is embedded (FontFile2: TrueType), not a viewer-supplied CID font.
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    descriptors = [f["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object() for f in fonts]
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert all("/ToUnicode" in f for f in fonts)


def test_receipt_pdf_shows_the_chinese_labels_and_values():
    pdf = render_pdf(receipt_json("B.1", RECEIPT_DATA, agency="徐州市医疗保障局云龙分局"))
    text = pdf_text(pdf)
    assert "参保登记回执单" in text
    for label in SEED_LABELS["B.1"]:
        assert label in text
    for value in (
        "徐州市云龙区汉风科技有限公司",
        "91110000600037341L",
        "刘邦",
        "萧何",
        "13951800000",
        "1、营业执照",
        "3、经办人身份证",
        "首次参保，已登记开户银行账户",
        "韩信",
        "2025-03-05",
        "徐州市医疗保障局云龙分局",
        B1_EXPLANATION,
    ):
        assert value in text, value


@pytest.mark.parametrize("code", list(SEED_LABELS))
def test_every_form_prints_its_title_labels_and_fixed_texts(code):
    document = empty_document(code)
    text = pdf_text(render_pdf(document))
    assert SEED_TITLES[code] in text
    for field in document["fields"]:
        assert squeeze(field["label"]) in text
        if field["key"] in document["fixed_keys"]:
            assert squeeze(field["value"]) in text


async def test_pdf_renders_off_the_event_loop():
    pdf = await render_pdf_async(receipt_json("B.13", {"grantor_name": "周瑜", "relationship": "配偶"}))
    text = pdf_text(pdf)
    assert "周瑜" in text
    assert "配偶" in text
