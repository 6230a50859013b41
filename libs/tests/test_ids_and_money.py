from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from medins.ids import USCC, CertNo, mask_certno, validate_certno, validate_uscc
from medins.logging import mask_text
from medins.money import Money


class Form(BaseModel):
    certno: CertNo
    uscc: USCC
    amount: Money


def test_valid_resident_id_and_uscc_are_accepted_and_normalised():
    form = Form(certno="11010519491231002x", uscc="91110000600037341l", amount="12.5")
    assert form.certno == "11010519491231002X"
    assert form.uscc == "91110000600037341L"
    assert form.amount == Decimal("12.50")


def test_a_county_code_newer_than_the_birth_year_is_still_valid():
    # 郴州市北湖区 431002 dates from 1994; people born before hold 431002… numbers issued later
    assert validate_certno("431002198001011239") == "431002198001011239"


@pytest.mark.parametrize(
    "certno",
    ["110105194912310021", "11010519491331002X", "1101051949123100", "ABCDEFGHIJKLMNOPQR", "991002198001011238"],
)
def test_resident_id_with_bad_check_digit_date_or_length_is_refused_in_chinese(certno):
    with pytest.raises(ValueError, match="身份证号码不正确"):
        validate_certno(certno)


@pytest.mark.parametrize("code", ["91110000600037341A", "9111000060003734", "IIIIIIIIIIIIIIIIII"])
def test_uscc_with_bad_check_character_or_length_is_refused_in_chinese(code):
    with pytest.raises(ValueError, match="统一社会信用代码不正确"):
        validate_uscc(code)


def test_money_keeps_fen_exactly_and_refuses_fractions_of_fen():
    assert Form.model_validate_json(
        '{"certno": "11010519491231002X", "uscc": "91110000600037341L", "amount": 0.1}'
    ).amount == Decimal("0.10")
    big = Form.model_validate_json(
        '{"certno": "11010519491231002X", "uscc": "91110000600037341L", "amount": 123456789012.34}'
    )
    assert big.amount == Decimal("123456789012.34")
    with pytest.raises(ValidationError, match="金额格式不正确"):
        Form(certno="11010519491231002X", uscc="91110000600037341L", amount="12,5")
    with pytest.raises(ValidationError, match="最多保留两位小数"):
        Form(certno="11010519491231002X", uscc="91110000600037341L", amount="1.005")
    dumped = Form(certno="11010519491231002X", uscc="91110000600037341L", amount="3").model_dump(mode="json")
    assert dumped["amount"] == "3.00"


def test_id_numbers_are_masked_in_lists_and_logs():
    assert mask_certno("11010519491231002X") == "110105********002X"
    assert mask_text("person 11010519491231002X enrolled") == "person 110105********002X enrolled"
    assert mask_text("order 1234567") == "order 1234567"
