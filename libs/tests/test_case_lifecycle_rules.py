"""The case lifecycle's rules, without I/O."""

from datetime import date

import pytest

from medins.cases.domain import (
    CaseAction,
    CaseStatus,
    Grade,
    IllegalTransition,
    case_number,
    next_status,
    progress_label,
    service_of_case_number,
)

A, S = CaseAction, CaseStatus


def test_the_happy_path_with_review_second_review_and_payment():
    status = S.submitted
    for action in (A.accept, A.start_review, A.approve, A.second_approve, A.pay, A.evaluate):
        status = next_status(status, action, second_review=True, payment=True)
    assert status is S.evaluated


def test_approval_skips_the_stages_an_item_does_not_have():
    assert next_status(S.in_review, A.approve) is S.completed
    assert next_status(S.in_review, A.approve, payment=True) is S.in_payment
    assert next_status(S.in_review, A.approve, second_review=True) is S.in_second_review


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.submitted, A.complete),
        (S.submitted, A.pay),
        (S.incomplete, A.accept),
        (S.accepted, A.evaluate),
        (S.completed, A.withdraw),
        (S.not_accepted, A.accept),
        (S.withdrawn, A.resubmit),
        (S.evaluated, A.evaluate),
        (S.in_review, A.second_approve),
    ],
)
def test_moves_out_of_order_are_refused_in_chinese(status, action):
    with pytest.raises(IllegalTransition) as refused:
        next_status(status, action, second_review=True, payment=True)
    assert refused.value.status == 409 and "不能执行" in (refused.value.detail or "")


def test_an_item_with_second_review_or_payment_is_not_completed_straight_after_acceptance():
    assert next_status(S.accepted, A.complete) is S.completed  # an item decided at acceptance
    cases = ((False, True, "审核、拨付"), (True, False, "审核、复核"), (True, True, "审核、复核、拨付"))
    for second_review, payment, stages in cases:
        with pytest.raises(IllegalTransition) as refused:
            next_status(S.accepted, A.complete, second_review=second_review, payment=payment)
        assert refused.value.status == 409 and f"须经{stages}后办结" in (refused.value.detail or "")
    assert next_status(S.accepted, A.reject, payment=True) is S.completed  # refusing it stays possible
    assert next_status(S.accepted, A.complete, payment=True, immediate=True) is S.completed  # 即时办结 at the window


def test_the_applicant_sees_three_plain_stages():
    assert progress_label(S.accepted) == "已受理"
    assert {progress_label(s) for s in (S.in_review, S.in_second_review, S.in_payment)} == {"办理中"}
    assert progress_label(S.completed) == progress_label(S.evaluated) == "已办结"


def test_case_numbers_carry_the_owning_service_and_round_trip():
    number = case_number("maternity", "431000", date(2026, 11, 23), 42)
    assert number == "MAT-431000-20261123-000042"
    assert service_of_case_number(number) == "maternity"
    assert service_of_case_number("XYZ-431000-20261123-000042") is None
    assert service_of_case_number("REG-4310-20261123-1") is None


def test_only_the_two_lowest_grades_are_bad_reviews():
    assert [g.value for g in Grade if g.is_bad] == ["不满意", "非常不满意"]
    assert len(Grade) == 5
