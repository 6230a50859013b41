"""样表14–16 as JSON and PDF with every field, and 基金匹配 of the table and the money. No I/O but the font."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from medins.documents.render import render_pdf
from transfer.agencies import agency_of
from transfer.transfers.documents import (
    FundRemittance,
    InsuranceCertificate,
    InsuranceInfoTable,
    InsuredPeriodRow,
    TransferLetter,
    age_on,
    sex_of,
)
from transfer.transfers.forms import certificate_form, info_table_form, letter_form
from transfer.transfers.remittance import match_remittance

CERTNO = "431002199503120018"
CHENZHOU, WEIFANG = agency_of("431000"), agency_of("370700")

LETTER = TransferLetter(
    letter_no="43100020260000007",
    issued_on=date(2026, 11, 23),
    destination_region="431000",
    origin_region="370700",
    origin_agency_name=WEIFANG.name,
    name="张医保",
    sex="1",
    age=31,
    phone="13800138000",
    certno=CERTNO,
    household_type="non_agricultural",
    transfer_account=True,
    current_insutype="310",
    destination_agency=CHENZHOU,
    handler="示例受理员",
    accepted_on=date(2026, 11, 23),
    certificate_no="37070020260001",
    case_no="TRF-431000-20261123-000001",
)
TABLE = InsuranceInfoTable(
    letter_no=LETTER.letter_no,
    issued_on=date(2026, 11, 25),
    origin_region="370700",
    destination_region="431000",
    name="张医保",
    certno=CERTNO,
    sex="1",
    periods=[
        InsuredPeriodRow(
            start_month="2018-07",
            end_month="2026-10",
            insutype="310",
            months=100,
            agency_name=WEIFANG.name,
            admdvs="370700",
            remark="职工在职",
        )
    ],
    transferred_amount=Decimal("1234.56"),
    remittance_no="37070020260000003",
    handler="潍坊经办员",
    phone=WEIFANG.phone,
    agency_name=WEIFANG.name,
)
REMITTANCE = FundRemittance(
    remittance_no="37070020260000003",
    letter_no=LETTER.letter_no,
    certno=CERTNO,
    name="张医保",
    amount=Decimal("1234.56"),
    remitted_on=date(2026, 11, 25),
    origin_region="370700",
    destination_region="431000",
    payer_account_name=WEIFANG.account_name,
    payer_bank_name=WEIFANG.bank_name,
    payer_account_no=WEIFANG.account_no,
    payee_account_name=CHENZHOU.account_name,
    payee_bank_name=CHENZHOU.bank_name,
    payee_account_no=CHENZHOU.account_no,
)
CERTIFICATE = InsuranceCertificate(
    certificate_no="37070020260001",
    issued_on=date(2026, 11, 20),
    name="张医保",
    certno=CERTNO,
    household_place="湖南省郴州市北湖区",
    household_type="non_agricultural",
    insutype="310",
    origin_region="370700",
    origin_name="潍坊市",
    period_start="2018-07",
    period_end="2026-10",
    cumulative_months=100,
    balance=Decimal("1234.56"),
    agency=WEIFANG,
)


def pdf_text(document) -> str:
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(render_pdf(document))).pages)
    return "".join(text.split())  # the table wraps long cells: compare without the line breaks


def test_the_letter_pdf_carries_every_field_of_form_15():
    form = letter_form(LETTER, "郴州市")
    assert form["form"] == "样表15" and form["title"] == "基本医疗保险关系转移接续联系函"
    text = pdf_text(form)
    for expected in (
        "基本医疗保险关系转移接续联系函",
        "郴州市2026年第0000007号",
        WEIFANG.name,
        "张医保",
        "男",
        "31",
        "13800138000",
        CERTNO,
        "□居民□农业▣非农业□台港澳□外籍",
        "是否需要转移个人账户▣是□否",
        "▣职工医保□城乡居民医保",
        CHENZHOU.account_name,
        CHENZHOU.bank_code,
        CHENZHOU.bank_name,
        CHENZHOU.account_no,
        CHENZHOU.address,
        CHENZHOU.postcode,
        "行政区划代码",
        "431000",
        "示例受理员",
        "2026-11-23",
    ):
        assert "".join(expected.split()) in text, expected


def test_the_table_pdf_carries_the_periods_and_the_amount_in_words_and_figures():
    form = info_table_form(TABLE)
    assert form["form"] == "样表16"
    text = pdf_text(form)
    for expected in (
        "参保人员基本医疗保险信息表",
        "张医保",
        CERTNO,
        "自2018年07月至2026年10月",
        "职工基本医疗保险",
        "参保缴费月数小计：100",
        WEIFANG.name,
        "370700",
        "壹仟贰佰叁拾肆元伍角陆分",
        "￥1234.56",
        "潍坊经办员",
        "2026-11-25",
    ):
        assert expected in text, expected


def test_the_certificate_pdf_has_a_4_digit_number_and_the_balance_in_capitals():
    form = certificate_form(CERTIFICATE, "潍坊市")
    assert form["form"] == "样表14" and form["title"] == "潍坊市基本医疗保险参保凭证"
    text = pdf_text(form)
    for expected in (
        "潍坊市2026年第0001号",
        "湖南省郴州市北湖区",
        "起2018年07月止2026年10月",
        "100月",
        "（大写）壹仟贰佰叁拾肆元伍角陆分（小写）￥1234.56",
        WEIFANG.address,
        WEIFANG.contact,
        "3个月内",
    ):
        assert expected in text, expected


def test_documents_refuse_bad_ids_amounts_and_unknown_fields():
    data = LETTER.model_dump(mode="json")
    with pytest.raises(ValidationError):
        TransferLetter.model_validate(data | {"certno": "431002199503120019"})  # wrong check digit
    with pytest.raises(ValidationError):
        TransferLetter.model_validate(data | {"signed_by": "someone"})
    with pytest.raises(ValidationError):
        InsuranceInfoTable.model_validate(TABLE.model_dump(mode="json") | {"transferred_amount": "12.345"})
    # the JSON form keeps money exact: the amount travels as a string with two places
    assert TABLE.model_dump(mode="json")["transferred_amount"] == "1234.56"
    assert InsuranceInfoTable.model_validate(TABLE.model_dump(mode="json")) == TABLE


def test_age_and_sex_come_from_the_id_number():
    assert age_on(CERTNO, date(2026, 3, 11)) == 30 and age_on(CERTNO, date(2026, 3, 12)) == 31
    assert sex_of(CERTNO) == "1" and sex_of("431002199807150021") == "2"


def test_a_remittance_that_agrees_with_the_table_and_the_letter_matches():
    assert match_remittance(LETTER, TABLE, REMITTANCE).matched


def test_a_remittance_off_by_one_fen_or_paid_elsewhere_does_not_match():
    short = REMITTANCE.model_copy(update={"amount": Decimal("1234.55")})
    problems = match_remittance(LETTER, TABLE, short).problems
    assert problems == ["到账资金 1234.55 元与《信息表》实际转出资金 1234.56 元不符"]
    elsewhere = REMITTANCE.model_copy(update={"payee_account_no": "999"})
    assert not match_remittance(LETTER, TABLE, elsewhere).matched
    other_letter = REMITTANCE.model_copy(update={"letter_no": "43100020260000008"})
    assert not match_remittance(LETTER, TABLE, other_letter).matched


def test_a_table_with_money_but_no_remittance_waits_and_one_without_money_needs_none():
    waiting = match_remittance(LETTER, TABLE, None)
    assert not waiting.matched and "尚未收到" in waiting.problems[0]
    nothing = TABLE.model_copy(update={"transferred_amount": Decimal("0.00"), "remittance_no": None})
    assert match_remittance(LETTER, nothing, None).matched


def test_a_table_for_another_person_does_not_match_the_letter():
    other = TABLE.model_copy(update={"certno": "431002199807150021", "name": "李参保"})
    problems = match_remittance(LETTER, other, REMITTANCE).problems
    assert any("身份证件号码" in p for p in problems) and any("姓名" in p for p in problems)
