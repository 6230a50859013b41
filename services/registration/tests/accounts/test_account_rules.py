"""Rules of the personal account with no I/O: debits, withdrawal reasons per region, who may be bound."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from registration.accounts.domain import (
    WITHDRAWAL_REASON_ZH,
    BindingRequest,
    HeirRequired,
    InsufficientBalance,
    InvalidAmount,
    MutualAidNotAllowed,
    NothingToWithdraw,
    NotYetStopped,
    PayeeNotEntitled,
    Relationship,
    WithdrawalNotAllowed,
    WithdrawalReason,
    WithdrawalRequest,
    allowed_reasons,
    birth_date,
    check_binding,
    check_debit,
    check_withdrawal,
    reason_situations,
    withdrawal_amount,
)

R = WithdrawalReason


def test_a_debit_may_empty_the_account_but_never_overdraw_it():
    check_debit(Decimal("100.00"), Decimal("100.00"))
    with pytest.raises(InsufficientBalance) as refused:
        check_debit(Decimal("100.00"), Decimal("100.01"))
    assert "100.01" in refused.value.detail and "100.00" in refused.value.detail
    for amount in ("0.00", "-5.00"):
        with pytest.raises(InvalidAmount):
            check_debit(Decimal("100.00"), Decimal(amount))


def test_a_withdrawal_pays_the_whole_balance_unless_less_is_asked_and_never_more():
    assert withdrawal_amount(Decimal("812.34"), None) == Decimal("812.34")
    assert withdrawal_amount(Decimal("812.34"), Decimal("12.34")) == Decimal("12.34")
    with pytest.raises(InsufficientBalance):
        withdrawal_amount(Decimal("812.34"), Decimal("812.35"))
    with pytest.raises(NothingToWithdraw):
        withdrawal_amount(Decimal("0.00"), None)


def test_each_region_allows_the_reasons_its_guide_lists_and_every_reason_has_a_chinese_label():
    assert allowed_reasons("431000") == {R.death, R.settled_abroad, R.voluntary_exit, R.other}  # 样表13
    assert R.offsite_resettlement in allowed_reasons("370700")  # 山东: 办理异地安置
    assert R.pension_lump_sum_clearance in allowed_reasons("320300")  # 徐州: 一次性领取养老金人员清退
    assert R.left_scheme in allowed_reasons("410481")  # 舞钢: 跨制度转移 → 个人账户返还
    assert allowed_reasons("410482") == allowed_reasons("370700")  # a region without its own list: the default
    assert set(WITHDRAWAL_REASON_ZH) == set(WithdrawalReason)
    assert WITHDRAWAL_REASON_ZH[R.settled_abroad] == "出国定居"


REQUEST = WithdrawalRequest(
    region="431000",
    reason=R.settled_abroad,
    reason_note=None,
    insured_name="王五",
    heir_name=None,
    payee_account_name="王五",
    still_enrolled=False,
)


def test_a_stopped_person_settling_abroad_withdraws_to_their_own_account():
    check_withdrawal(REQUEST)


def test_a_reason_the_region_does_not_list_is_refused_with_the_list_in_chinese():
    with pytest.raises(WithdrawalNotAllowed) as refused:
        check_withdrawal(replace(REQUEST, reason=R.offsite_resettlement))
    assert refused.value.code == "withdrawal_reason_not_allowed"
    assert "死亡、出国定居、主动放弃参保、其他" in refused.value.detail
    assert "办理异地安置" in refused.value.detail


def test_other_needs_the_actual_reason_written_down():
    with pytest.raises(WithdrawalNotAllowed) as refused:
        check_withdrawal(replace(REQUEST, reason=R.other, reason_note="  "))
    assert refused.value.code == "reason_note_required"
    check_withdrawal(replace(REQUEST, reason=R.other, reason_note="退职后不再参保"))


def test_only_a_person_whose_insurance_stopped_may_withdraw_except_for_offsite_resettlement():
    with pytest.raises(NotYetStopped):
        check_withdrawal(replace(REQUEST, still_enrolled=True))
    check_withdrawal(replace(REQUEST, region="370700", reason=R.offsite_resettlement, still_enrolled=True))


def test_on_death_the_heir_applies_and_is_paid_into_their_own_account():
    death = replace(REQUEST, reason=R.death, heir_name="王小五", payee_account_name="王小五")
    check_withdrawal(death)
    with pytest.raises(HeirRequired):
        check_withdrawal(replace(death, heir_name=None))
    with pytest.raises(PayeeNotEntitled):
        check_withdrawal(replace(death, payee_account_name="王五"))
    with pytest.raises(PayeeNotEntitled):
        check_withdrawal(replace(REQUEST, payee_account_name="李四"))


def test_a_reason_brings_the_materials_the_region_asks_for_in_that_situation():
    assert reason_situations(R.death, {"death", "voluntary_exit"}) == ["death"]
    assert reason_situations(R.settled_abroad, {"emigration"}) == ["emigration"]
    assert reason_situations(R.settled_abroad, set()) == []  # 郴州 asks the same materials for every reason


PARENT, HOLDER, CHILD = date(1955, 3, 1), date(1980, 5, 1), date(2008, 9, 1)
BINDING = BindingRequest(
    authoriser_certno="A",
    user_certno="U",
    relationship=Relationship.child,
    authoriser_employee_insured=True,
    user_schemes=frozenset({"390"}),
    authoriser_birth=HOLDER,
    user_birth=CHILD,
)


def test_an_employee_may_bind_spouse_parents_and_children_insured_in_either_scheme():
    check_binding(BINDING)
    check_binding(
        replace(BINDING, relationship=Relationship.parent, user_birth=PARENT, user_schemes=frozenset({"310"}))
    )
    check_binding(replace(BINDING, relationship=Relationship.spouse, user_birth=date(1982, 1, 1)))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"relationship": Relationship.parent_in_law, "user_birth": PARENT}, "relationship_not_allowed"),
        ({"relationship": Relationship.sibling}, "relationship_not_allowed"),
        ({"relationship": Relationship.grandchild}, "relationship_not_allowed"),
        ({"authoriser_employee_insured": False}, "authoriser_not_insured"),
        ({"user_schemes": frozenset()}, "user_not_insured"),
        ({"user_schemes": frozenset({"510"})}, "user_not_insured"),
        ({"user_certno": "A"}, "mutual_aid_not_allowed"),
        ({"relationship": Relationship.parent}, "relationship_inconsistent"),  # a "parent" born after the holder
        ({"user_birth": PARENT}, "relationship_inconsistent"),  # a "child" born before the holder
    ],
)
def test_who_may_not_be_bound(change, code):
    with pytest.raises(MutualAidNotAllowed) as refused:
        check_binding(replace(BINDING, **change))
    assert refused.value.code == code and refused.value.status == 422


def test_the_birth_date_is_read_from_an_18_digit_id_number_only():
    assert birth_date("11010519491231002X") == date(1949, 12, 31)
    assert birth_date("H1234567") is None
