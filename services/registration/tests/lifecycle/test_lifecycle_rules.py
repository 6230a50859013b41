"""Rules of the lifecycle without I/O: enrolment and unit state machines, document numbers, back-paid months,
the school's summary table read row by row."""

import uuid
from datetime import date

import pytest
from stdnum.cn import ric

from registration.backpay.domain import (
    BackpayPeriodInvalid,
    benefits_from_after_arrears,
    enrolled_months,
    months_between,
    months_in_service_at,
    spans,
)
from registration.persons import certs
from registration.persons.domain import (
    AlreadyRetired,
    EnrolmentAction,
    EnrolmentNotActive,
    EnrolmentNotSuspended,
    EnrolmentState,
    EnrolmentStatus,
    PersonAlreadyEnrolled,
    PersonnelType,
    PersonNotEnrolled,
    RetirementMonthsMismatch,
    cumulative_months,
    next_state,
)
from registration.residents import batch
from registration.units.domain import (
    RestructureInvalid,
    RestructureKind,
    UnitAction,
    UnitStatus,
    UnitStatusConflict,
    check_restructure,
    next_unit_status,
)

A, S, P = EnrolmentAction, EnrolmentStatus, PersonnelType
WORKING = EnrolmentState(S.enrolled, P.in_service)
SUSPENDED = EnrolmentState(S.suspended, P.in_service)
TERMINATED = EnrolmentState(S.terminated, P.in_service)
RETIRED = EnrolmentState(S.enrolled, P.retired)


def certno(born: str, serial: int = 123) -> str:
    body = f"431002{born}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def test_an_enrolment_moves_enrolled_suspended_resumed_retired_and_terminated():
    assert next_state(None, A.enrol) == WORKING
    assert next_state(WORKING, A.suspend) == SUSPENDED
    assert next_state(SUSPENDED, A.resume) == WORKING
    assert next_state(WORKING, A.retire) == RETIRED
    assert next_state(RETIRED, A.terminate) == EnrolmentState(S.terminated, P.retired)
    assert next_state(SUSPENDED, A.terminate) == TERMINATED
    # a suspended person taken on by a unit, and a terminated one enrolling anew, are enrolled again
    assert next_state(SUSPENDED, A.enrol) == WORKING
    assert next_state(TERMINATED, A.enrol) == WORKING


def test_a_person_resumed_who_was_never_suspended_is_refused_in_chinese():
    with pytest.raises(EnrolmentNotSuspended) as never:
        next_state(WORKING, A.resume, who="王五")
    assert never.value.status == 409 and "王五未暂停参保" in str(never.value)
    with pytest.raises(EnrolmentNotSuspended, match="已终止参保，不能恢复"):
        next_state(TERMINATED, A.resume)
    with pytest.raises(PersonNotEnrolled):
        next_state(None, A.resume)


@pytest.mark.parametrize(
    ("state", "action", "error"),
    [
        (WORKING, A.enrol, PersonAlreadyEnrolled),
        (RETIRED, A.enrol, PersonAlreadyEnrolled),
        (SUSPENDED, A.suspend, EnrolmentNotActive),
        (TERMINATED, A.suspend, EnrolmentNotActive),
        (TERMINATED, A.terminate, EnrolmentNotActive),
        (RETIRED, A.retire, AlreadyRetired),
        (SUSPENDED, A.retire, EnrolmentNotActive),
        (None, A.retire, PersonNotEnrolled),
    ],
)
def test_moves_the_state_does_not_allow_are_refused(state, action, error):
    with pytest.raises(error):
        next_state(state, action)


def test_cumulative_contribution_months_are_deemed_plus_actual_and_a_form_saying_otherwise_is_refused():
    assert cumulative_months(120, 300, None) == 420
    assert cumulative_months(120, 300, 420) == 420
    with pytest.raises(RetirementMonthsMismatch, match="应等于"):
        cumulative_months(120, 300, 400)


def test_a_unit_is_suspended_resumed_and_cancelled_but_a_cancelled_unit_takes_no_business():
    assert next_unit_status(UnitStatus.active, UnitAction.suspend) is UnitStatus.suspended
    assert next_unit_status(UnitStatus.suspended, UnitAction.resume) is UnitStatus.active
    assert next_unit_status(UnitStatus.suspended, UnitAction.cancel) is UnitStatus.cancelled
    assert next_unit_status(UnitStatus.suspended, UnitAction.change) is UnitStatus.suspended
    for action in UnitAction:
        with pytest.raises(UnitStatusConflict, match="已注销"):
            next_unit_status(UnitStatus.cancelled, action, name="某公司")
    with pytest.raises(UnitStatusConflict):
        next_unit_status(UnitStatus.active, UnitAction.resume)
    with pytest.raises(UnitStatusConflict):
        next_unit_status(UnitStatus.suspended, UnitAction.suspend)


def test_split_merge_and_division_have_their_shapes():
    check_restructure(RestructureKind.split_up, ["A"], ["B", "C"])
    check_restructure(RestructureKind.merge, ["A", "B"], ["C"])
    check_restructure(RestructureKind.merge, ["A"], ["C"])  # 吸收合并
    check_restructure(RestructureKind.division, ["A"], ["B"])
    for kind, before, after in [
        (RestructureKind.split_up, ["A"], ["B"]),
        (RestructureKind.merge, ["A"], ["B", "C"]),
        (RestructureKind.division, ["A", "B"], ["C"]),
        (RestructureKind.merge, ["A", "B"], ["A"]),
    ]:
        with pytest.raises(RestructureInvalid):
            check_restructure(kind, before, after)


def test_document_numbers_of_the_special_groups_are_checked_by_their_own_rules():
    hk_body = "81000019900101001"
    hk = hk_body + ric.calc_check_digit(hk_body + "0")
    assert certs.validate_document("24", hk) == hk
    assert certs.birth_month("24", hk) == "1990-01"
    assert certs.special_group("24") == "hk_macao_taiwan"
    with pytest.raises(ValueError, match="810000"):
        certs.validate_document("24", certno("19900101"))  # a mainland number is no residence permit
    with pytest.raises(ValueError, match="校验码"):
        certs.validate_document("24", hk[:-1] + ("0" if hk[-1] != "0" else "1"))
    pr_body = "93114019850315001"
    pr = pr_body + ric.calc_check_digit(pr_body + "0")
    assert certs.validate_document("07", pr) == pr and certs.birth_month("07", pr) == "1985-03"
    assert certs.validate_document("07", "usa123456789012") == "USA123456789012"
    assert certs.special_group("07") == "foreigner"
    with pytest.raises(ValueError, match="外国人永久居留身份证"):
        certs.validate_document("07", "12345")
    assert certs.validate_document("04", "h12345678") == "H12345678"
    with pytest.raises(ValueError, match="身份证号码不正确"):
        certs.validate_document("01", "430000199001011234")


def test_months_between_and_what_back_paying_them_changes():
    assert months_between("2025-11", "2026-02", today=date(2026, 3, 5)) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    with pytest.raises(BackpayPeriodInvalid, match="晚于本月"):
        months_between("2026-02", "2026-04", today=date(2026, 3, 5))
    with pytest.raises(BackpayPeriodInvalid, match="晚于结束"):
        months_between("2026-02", "2026-01", today=date(2026, 3, 5))
    timeline = [(date(2025, 1, 1), "enrolled"), (date(2025, 6, 1), "suspended"), (date(2025, 9, 1), "enrolled")]
    months = months_between("2025-04", "2025-10", today=date(2026, 3, 5))
    assert enrolled_months(timeline, months) == {"2025-04", "2025-05", "2025-09", "2025-10"}
    assert spans(["2025-06", "2025-07", "2025-08", "2025-12"]) == "2025-06至2025-08、2025-12"
    assert benefits_from_after_arrears(date(2026, 12, 15)) == date(2027, 1, 1)


def test_a_school_table_is_read_row_by_row_with_every_reason_of_every_bad_row():
    good, other = certno("20120301", 11), certno("20110705", 22)
    text = "\n".join(
        [
            "序号,姓名,性别,户籍所在地,参保身份,身份证号码,联系电话,补助类别,本年缴费,实际缴费时间,备注",
            f"1,李小明,男,郴州市北湖区,中小学儿童,{good},13800138000,,380,2026/9/1,",
            "2,张三,男,郴州市北湖区,中小学儿童,430000201203011234,13800138000,,380,2026-09-01,",
            f"3,,女,郴州市北湖区,火星人,{other[:-1]}X,12345,低保,abc,2026-13-01,",
            f"4,李小明,男,郴州市北湖区,中小学儿童,{good},,,,,",
            "",
            f"6,王丽,女,郴州市苏仙区,,{other},0735-2221234,孤儿,380.5,20260902,",
        ]
    )
    parsed = batch.parse(text.encode("gb18030"), default_identity="child")
    by_line = {r.line: r for r in parsed.reports}
    assert [r.line for r in parsed.rows] == [2, 7]
    assert by_line[2].accepted and by_line[7].accepted
    assert parsed.rows[1].identity == "child" and parsed.rows[1].subsidy_category == "orphan"
    assert str(parsed.rows[1].annual_contribution) == "380.50" and parsed.rows[1].paid_on == date(2026, 9, 2)
    assert not by_line[3].accepted and "身份证号码不正确" in by_line[3].reasons[0]
    reasons = " ".join(by_line[4].reasons)
    for expected in ("参保身份「火星人」", "姓名不能为空", "联系电话格式不正确", "本年缴费", "实际缴费时间"):
        assert expected in reasons, reasons
    assert by_line[5].reasons == ["身份证号码与第2行重复"]
    assert by_line[3].certno is not None and "*" in by_line[3].certno  # numbers are masked in the report


def test_a_file_that_is_no_table_is_refused_as_a_whole():
    with pytest.raises(batch.BatchFileInvalid, match="姓名"):
        batch.parse("学校,地址\n一中,郴州\n".encode())
    with pytest.raises(batch.BatchFileInvalid, match="没有数据行"):
        batch.parse("姓名,身份证号码\n".encode())
    with pytest.raises(batch.BatchFileInvalid, match="编码"):
        batch.parse(b"\xff\xfe\x00\x81\xff")


def test_a_units_arrears_cover_the_months_an_employee_was_enrolled_in_service_and_there():
    unit, other = uuid.uuid4(), uuid.uuid4()
    months = [f"2025-{m:02d}" for m in range(1, 8)]
    history = [
        (date(2025, 1, 1), "enrol", "enrolled", unit),
        (date(2025, 2, 10), "base_adjusted", "enrolled", unit),  # a change of the same status and unit
        (date(2025, 3, 1), "suspend", "suspended", unit),  # March not paid for: suspended on its first day
        (date(2025, 4, 1), "resume", "enrolled", unit),
        (date(2025, 5, 20), "enrol", "enrolled", other),  # moved on: June is the other unit's
    ]
    assert months_in_service_at(history, unit, months) == ["2025-01", "2025-02", "2025-04", "2025-05"]
    assert months_in_service_at(history, other, months) == ["2025-06", "2025-07"]
    retired = [(date(2025, 1, 1), "enrol", "enrolled", unit), (date(2025, 2, 15), "retire", "enrolled", unit)]
    assert months_in_service_at(retired, unit, months) == ["2025-01", "2025-02"]  # a retiree pays nothing
    assert months_in_service_at(list(reversed(history)), unit, months)[:2] == ["2025-01", "2025-02"]  # by date
    assert months_in_service_at([], unit, months) == []
