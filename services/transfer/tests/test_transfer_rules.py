"""Transfer rules with no I/O: 金额大写, document numbers, the two state machines, the clocks of ruling 1."""

from datetime import date
from decimal import Decimal

import pytest

from medins.catalog import load_catalog
from transfer.transfers.capitals import yuan_in_capitals
from transfer.transfers.clocks import ClockView, clock_plan, exceeded_clocks
from transfer.transfers.domain import (
    ACTION_ZH,
    BadDocumentNumber,
    IllegalTransferTransition,
    TransferAction,
    TransferDirection,
    TransferStatus,
    certificate_number,
    is_intra_province,
    letter_number,
    next_transfer_status,
    parse_number,
)

A, S = TransferAction, TransferStatus
CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("110", "壹佰壹拾元整"),
        ("1004.56", "壹仟零肆元伍角陆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("100000", "壹拾万元整"),
        ("100005000", "壹亿零伍仟元整"),
        ("100050000", "壹亿零伍万元整"),
        ("0.56", "伍角陆分"),
        ("0.06", "陆分"),
        ("0.5", "伍角"),
        ("2000.10", "贰仟元壹角"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amounts_are_written_in_capital_numerals_as_cheques_write_them(amount, words):
    assert yuan_in_capitals(Decimal(amount)) == words


@pytest.mark.parametrize("bad", ["-1", "1.234", "1000000000000", "abc"])
def test_negative_too_precise_or_too_large_amounts_are_not_written(bad):
    with pytest.raises(ValueError):
        yuan_in_capitals(bad)


def test_document_numbers_are_region_year_and_a_fixed_width_sequence():
    assert letter_number("431000", 2026, 1) == "43100020260000001"
    assert certificate_number("370700", 2026, 42) == "37070020260042"
    parsed = parse_number("43100020260000123", width=7)
    assert (parsed.region, parsed.year, parsed.sequence) == ("431000", 2026, 123)
    assert parsed.display("郴州市", 7) == "郴州市2026年第0000123号"
    assert parse_number("37070020260042", width=4).display("潍坊市", 4) == "潍坊市2026年第0042号"
    # the 10,000th certificate of a year still gets a number (the sequence widens, never wraps)
    assert certificate_number("431000", 2026, 10000) == "431000202610000"
    for bad in ("4310002026000001", "43100020260000000", "4310002026000000x"):
        with pytest.raises(BadDocumentNumber):
            parse_number(bad, width=7)


def test_an_inbound_transfer_goes_letter_then_documents_then_match_then_completion():
    status = S.accepted
    for action in (A.issue_letter, A.deliver, A.receive_documents, A.receive_documents, A.match, A.complete):
        status = next_transfer_status(TransferDirection.inbound, status, action)
    assert status is S.completed


def test_an_outbound_transfer_goes_letter_then_table_then_completion():
    status = S.requested
    for action in (A.receive_letter, A.prepare, A.deliver):
        status = next_transfer_status(TransferDirection.outbound, status, action)
    assert status is S.completed


@pytest.mark.parametrize(
    ("direction", "status", "action"),
    [
        (TransferDirection.inbound, S.completed, A.reject),  # a completed transfer is not rejected afterwards
        (TransferDirection.inbound, S.merging, A.reject),  # nor one whose money is being credited
        (TransferDirection.inbound, S.accepted, A.match),  # no matching before any document arrived
        (TransferDirection.outbound, S.table_issued, A.reject),  # the money left: no rejection any more
        (TransferDirection.outbound, S.completed, A.prepare),  # the account is debited once
        (TransferDirection.outbound, S.letter_received, A.issue_letter),  # the 转出地 issues no letter
    ],
)
def test_moves_a_transfer_does_not_allow_are_refused(direction, status, action):
    with pytest.raises(IllegalTransferTransition):
        next_transfer_status(direction, status, action)


def test_rejections_are_possible_only_until_the_money_moves():
    assert next_transfer_status(TransferDirection.inbound, S.letter_sent, A.reject) is S.rejected
    assert next_transfer_status(TransferDirection.outbound, S.letter_received, A.reject) is S.rejected
    assert next_transfer_status(TransferDirection.outbound, S.requested, A.reject) is S.rejected


def test_intra_province_is_the_same_province_code():
    assert is_intra_province("370700", "370100") and not is_intra_province("370700", "431000")


@pytest.mark.parametrize(
    ("region", "origin", "overall"),
    [
        ("431000", "370700", 15),  # 郴州: 不超过15个工作日, no intra-province rule
        ("431000", "430100", 15),  # 郴州 has no 9-day rule even within 湖南
        ("370700", "431000", 15),  # 山东 cross-province
        ("370700", "370100", 9),  # 山东 省内转移接续不超过9个工作日
        ("410482", "431000", 20),  # 汝州 不超过20个工作日
    ],
)
def test_each_region_applies_its_own_overall_limit_and_the_5_10_5_stages(region, origin, overall):
    plan = clock_plan(CATALOG.resolve("transfer_in", region), origin=origin, destination=region)
    assert plan.overall.value == overall and plan.overall.unit == "working_days"
    assert {k: (s.value, s.party, s.starts_at) for k, s in plan.stages.items()} == {
        "letter": (5, "destination", "acceptance"),
        "info_table": (10, "origin", "letter_received"),
        "completion": (5, "destination", "info_table_received"),
    }


def test_a_transfer_is_overdue_when_any_stage_or_the_overall_clock_is_exceeded():
    today = date(2026, 12, 10)
    letter_on_time = ClockView("letter", date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 6))
    letter_late = ClockView("letter", date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 12))
    table_running_late = ClockView("info_table", date(2026, 11, 12), date(2026, 11, 26), None)
    overall_fine = ClockView("overall", date(2026, 11, 2), date(2026, 12, 20), None)
    overall_passed = ClockView("overall", date(2026, 11, 2), date(2026, 11, 20), None)
    assert exceeded_clocks([letter_on_time, overall_fine], today) == []
    assert exceeded_clocks([letter_late, overall_fine], today) == ["letter"]
    assert exceeded_clocks([letter_on_time, table_running_late, overall_passed], today) == ["info_table", "overall"]
    assert table_running_late.running_late(today) and not letter_late.running_late(today)


def test_a_refused_move_names_the_status_and_the_action_in_chinese():
    assert set(ACTION_ZH) == set(TransferAction)  # every action has its Chinese name
    with pytest.raises(IllegalTransferTransition) as refused:
        next_transfer_status(TransferDirection.inbound, TransferStatus.letter_sent, TransferAction.send_back)
    assert refused.value.status == 409
    assert str(refused.value.detail) == "转移接续当前为「联系函已发出」，不能执行「不予接续、退回转出地」"
