"""Employees' moves on a real PostgreSQL: 减少 (暂停/终止), 恢复, 在职转退休, 信息变更, 缴费基数调整, 死亡, the
special groups' documents, 灵活就业人员 by the person; a refused application writes nothing."""

from datetime import date

import pytest
from stdnum.cn import ric

from .conftest import Api, employer, new_certno, person

pytestmark = pytest.mark.integration

FORM_MATERIALS = ["employee_registration_form", "id_document"]


def reduction(uscc: str, *rows: dict) -> dict:
    return {"form": {"unit_uscc": uscc, "rows": list(rows)}, "materials": FORM_MATERIALS}


def retirement_row(name: str, certno: str, **changes) -> dict:
    row = {
        "name": name,
        "certno": certno,
        "sex": "1",
        "retirement_type": "normal",
        "work_start_month": "1990-07",
        "personnel_identity": "worker",
        "deemed_months": 96,
        "actual_months": 300,
        "benefits_from_month": "2026-01",
    }
    return row | changes


async def test_a_person_resumed_who_was_never_suspended_is_refused_and_nothing_is_written(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "王五")
    cases, changes = await api.cases(), await api.scalar("SELECT count(*) FROM enrolment_change")
    body = {
        "form": {"unit_uscc": uscc, "rows": [{"name": "王五", "certno": certno, "resume_month": "2026-02"}]},
        "materials": FORM_MATERIALS,
    }
    refused = await api.post("/employee-resumptions", body)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "enrolment_not_suspended" and "未暂停参保" in problem["detail"]
    assert await api.cases() == cases and await api.scalar("SELECT count(*) FROM enrolment_change") == changes
    await api.done(
        "/employee-reductions",
        reduction(uscc, {"name": "王五", "certno": certno, "change_type": "suspend", "stop_month": "2026-01"}),
    )
    case = await api.done("/employee-resumptions", body)
    assert case["result"]["resumed"][0]["name"] == "王五"
    kinds = [k for (k,) in await api.rows("SELECT kind FROM enrolment_change ORDER BY id")]
    assert kinds == ["enrol", "suspend", "resume"]
    [resumed] = await api.events("registration.person.resumed.v1")
    assert resumed["certno"] == certno and resumed["employer_uscc"] == uscc and resumed["effective_on"] == "2026-02-01"


async def test_a_unit_reduces_one_employee_and_terminates_another_with_the_reasons_of_form_3(api: Api):
    uscc = await api.unit()
    leaver, dead = await api.employees(uscc, "离职者", "故人")
    rows = [
        {
            "name": "离职者",
            "certno": leaver,
            "change_type": "terminate",
            "stop_month": "2026-03",
            "reason": "transfer_out",
        },
        {
            "name": "故人",
            "certno": dead,
            "change_type": "terminate",
            "stop_month": "2026-03",
            "reason": "death",
            "died_on": "2026-02-20",
        },
    ]
    case = await api.done("/employee-reductions", reduction(uscc, *rows))
    assert [r["change_type"] for r in case["result"]["reduced"]] == ["terminate", "terminate"]
    [receipt_ref] = [d for d in case["documents"] if d["kind"] == "receipt"]
    receipt = (await api.get(f"/cases/{case['case_no']}/documents/{receipt_ref['id']}")).json()
    fields = {f["key"]: f["value"] for f in receipt["fields"]}
    assert receipt["form"] == "B.3" and fields["headcount"] == "2" and fields["reason"] == "职工退保（终止参保）2人"
    assert await api.scalar("SELECT died_on FROM insured_person WHERE certno = :c", c=dead) == date(2026, 2, 20)
    terminated = {e["certno"]: e["reason"] for e in await api.events("registration.person.terminated.v1")}
    assert terminated == {leaver: "transfer_out", dead: "death"}
    [deceased] = await api.events("registration.person.deceased.v1")
    assert deceased["certno"] == dead and deceased["died_on"] == "2026-02-20"
    again = await api.post("/employee-reductions", reduction(uscc, rows[0]))
    assert again.status_code == 409 and again.json()["code"] == "enrolment_not_active"
    missing_reason = await api.post("/employee-reductions", reduction(uscc, rows[0] | {"reason": None}))
    assert missing_reason.status_code == 422 and "终止原因" in missing_reason.text
    # a terminated person may be enrolled anew; a dead one may not
    enrolled_anew = await api.done(
        "/employee-registrations",
        {
            "form": {"unit_uscc": uscc, "employees": [{"name": "离职者", "certno": leaver, "start_month": "2026-06"}]},
            "materials": FORM_MATERIALS,
        },
    )
    assert enrolled_anew["result"]["enrolled"][0]["name"] == "离职者"
    dead_again = await api.post(
        "/employee-registrations",
        {"form": {"unit_uscc": uscc, "employees": [{"name": "故人", "certno": dead, "start_month": "2026-06"}]}},
    )
    assert dead_again.status_code == 409 and dead_again.json()["code"] == "person_deceased"


async def test_another_units_employee_cannot_be_reduced_and_a_wrong_name_is_caught(api: Api):
    mine, theirs = await api.unit(), await api.unit()
    [certno] = await api.employees(theirs, "别人")
    row = {"name": "别人", "certno": certno, "change_type": "suspend", "stop_month": "2026-01"}
    refused = await api.post("/employee-reductions", reduction(mine, row))
    assert refused.status_code == 422 and refused.json()["code"] == "not_unit_employee"
    typo = await api.post("/employee-reductions", reduction(theirs, row | {"name": "别的人"}))
    assert typo.status_code == 422 and typo.json()["code"] == "row_mismatch"
    wrong = certno[:-1] + ("0" if certno[-1] != "0" else "1")  # always the wrong check digit
    bad_id = await api.post("/employee-reductions", reduction(theirs, row | {"certno": wrong}))
    assert bad_id.status_code == 422 and "身份证号码不正确" in bad_id.text


async def test_in_service_to_retired_keeps_the_months_of_form_4(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "老王")
    mismatch = await api.post(
        "/employee-retirements",
        {
            "form": {"unit_uscc": uscc, "rows": [retirement_row("老王", certno, cumulative_months=400)]},
            "materials": FORM_MATERIALS,
        },
    )
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "retirement_months_mismatch"
    body = {
        "form": {"unit_uscc": uscc, "rows": [retirement_row("老王", certno)]},
        "materials": [*FORM_MATERIALS, "retirement_approval_documents"],
    }
    applied = await api.post("/employee-retirements", body | {"materials": FORM_MATERIALS})
    assert applied.json()["case"]["status"] == "incomplete"
    assert "需提供退休审批材料" in applied.json()["case"]["missing"]
    case = await api.done("/employee-retirements", body)
    assert case["result"]["retired"][0]["cumulative_months"] == 396
    assert await api.rows("SELECT personnel_type, status FROM enrolment") == [("retired", "enrolled")]
    [event] = await api.events("registration.person.retired.v1")
    assert (event["deemed_months"], event["actual_months"], event["cumulative_months"]) == (96, 300, 396)
    twice = await api.post("/employee-retirements", body)
    assert twice.status_code == 409 and twice.json()["code"] == "already_retired"


async def test_a_retiree_dies_and_another_moves_to_a_new_responsible_unit(api: Api):
    old, new = await api.unit(name="原单位"), await api.unit(name="接收单位")
    first, second = await api.employees(old, "退休甲", "退休乙")
    rows = [retirement_row("退休甲", first), retirement_row("退休乙", second)]
    await api.done(
        "/employee-retirements",
        {"form": {"unit_uscc": old, "rows": rows}, "materials": [*FORM_MATERIALS, "retirement_approval_documents"]},
    )
    death = {
        "name": "退休甲",
        "certno": first,
        "died_on": "2026-03-02",
        "stop_month": "2026-04",
        "overpaid_account_amount": "120.50",
    }
    case = await api.done(
        "/retiree-deaths",
        {
            "form": {"unit_uscc": old, "rows": [death]},
            "materials": ["retiree_management_form", "death_certificate"],
            "situations": [],
        },
    )
    assert (
        case["item_key"] == "retiree_management"
        and case["result"]["deceased"][0]["overpaid_account_amount"] == "120.50"
    )
    [event] = await api.events("registration.person.deceased.v1")
    assert event["overpaid_account_amount"] == "120.50"
    move = {"unit_uscc": new, "rows": [{"name": "退休乙", "certno": second, "reason": "unit_cancelled"}]}
    moved = await api.done(
        "/retiree-unit-changes", {"form": move, "materials": ["retiree_management_form", "unit_legal_change_documents"]}
    )
    assert moved["result"]["moved"][0]["former_unit"] == "原单位"
    responsible = (
        "SELECT u.uscc FROM enrolment e JOIN employer u ON u.id = e.employer_id "
        "JOIN insured_person p ON p.id = e.person_id WHERE p.certno = :c"
    )
    assert await api.scalar(responsible, c=second) == new
    in_service = await api.employees(old, "在职丙")
    not_retired = await api.post(
        "/retiree-deaths", {"form": {"unit_uscc": old, "rows": [death | {"name": "在职丙", "certno": in_service[0]}]}}
    )
    assert not_retired.status_code == 422 and not_retired.json()["code"] == "not_retired"


async def test_employee_information_change_keeps_before_and_after_and_refuses_a_number_in_use(api: Api):
    uscc = await api.unit()
    first, second = await api.employees(uscc, "张一", "李二")
    new_number = new_certno(date(1985, 6, 1))
    row = {"certno": first, "changes": {"name": "张壹", "certno": new_number, "mobile": "13912345678"}}
    case = await api.done(
        "/employee-changes",
        {
            "form": {"unit_uscc": uscc, "rows": [row]},
            "materials": ["id_document", "employee_change_form"],
            "situations": ["key_info_change"],
        },
    )
    changes = case["result"]["changed"][0]["changes"]
    assert changes["name"] == {"before": "张一", "after": "张壹"} and changes["birth_month"]["after"] == "1985-06"
    assert "*" in changes["certno"]["after"]  # masked in the case result
    [event] = await api.events("registration.person.changed.v1")
    assert event["former_certno"] == first and event["certno"] == new_number and event["key_information"] is True
    taken = await api.post(
        "/employee-changes",
        {"form": {"unit_uscc": uscc, "rows": [{"certno": second, "changes": {"certno": new_number}}]}},
    )
    assert taken.status_code == 409 and taken.json()["code"] == "certno_in_use"


async def test_contribution_base_adjustment_changes_the_base_from_a_month(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "王五")
    rows = [{"name": "王五", "certno": certno, "contribution_base": "7200.00", "effective_month": "2026-01"}]
    case = await api.done(
        "/contribution-base-adjustments",
        {"form": {"unit_uscc": uscc, "rows": rows}, "materials": ["unit_commitment_letter", "staff_change_roster"]},
    )
    assert case["item_key"] == "contribution_base_adjustment"
    assert str(await api.scalar("SELECT contribution_base FROM enrolment")) == "7200.00"
    [event] = await api.events("registration.person.contribution_base_adjusted.v1")
    assert event["contribution_base"] == "7200.00" and event["former_contribution_base"] == "6000.00"
    zero = await api.post(
        "/contribution-base-adjustments", {"form": {"unit_uscc": uscc, "rows": [rows[0] | {"contribution_base": 0}]}}
    )
    assert zero.status_code == 422


async def test_a_flexible_worker_enrols_themself_and_special_groups_hand_in_their_documents(api: Api):
    certno = new_certno()
    form = {"flexible_worker": True, "employees": [{"name": "自由职业者", "certno": certno, "start_month": "2026-01"}]}
    applied = await api.post("/employee-registrations", {"form": form, "materials": FORM_MATERIALS}, person(certno))
    assert applied.status_code == 201 and applied.json()["case"]["status"] == "submitted"
    case_no = applied.json()["case"]["case_no"]
    accepted = await api.post(f"/cases/{case_no}/actions/accept", {})
    assert accepted.json()["status"] == "completed"  # 灵活就业人员即时办结
    assert await api.rows("SELECT flexible_worker, employer_id FROM enrolment") == [(True, None)]
    other = await api.post("/employee-registrations", {"form": form, "materials": FORM_MATERIALS}, person(new_certno()))
    assert other.status_code == 403
    # the worker stops paying, on their own: 表 B.4 says 灵活就业暂停参保
    row = {"name": "自由职业者", "certno": certno, "change_type": "suspend", "stop_month": "2026-05"}
    stopped = await api.done(
        "/employee-reductions",
        {"form": {"flexible_worker": True, "rows": [row]}, "materials": ["id_document", "employee_registration_form"]},
    )
    [receipt] = [d for d in stopped["documents"] if d["kind"] == "receipt"]
    fields = (await api.get(f"/cases/{stopped['case_no']}/documents/{receipt['id']}")).json()["fields"]
    assert receipt["form"] == "B.4" and {f["key"]: f["value"] for f in fields}["reason"] == "灵活就业暂停参保"
    body = "81000019900101001"
    permit = body + ric.calc_check_digit(body + "0")
    uscc = await api.unit()
    hk = {
        "unit_uscc": uscc,
        "employees": [{"name": "陈大文", "cert_type": "24", "certno": permit, "start_month": "2026-01"}],
    }
    incomplete = (await api.post("/employee-registrations", {"form": hk, "materials": FORM_MATERIALS})).json()["case"]
    assert incomplete["status"] == "incomplete"
    assert incomplete["missing"] == ["需提供港澳居民来往内地通行证或港澳台居民居住证、建立劳动关系的证明"]
    mainland = hk["employees"][0] | {"certno": new_certno()}  # a 身份证号 is no 居住证号
    wrong_type = await api.post("/employee-registrations", {"form": {**hk, "employees": [mainland]}})
    assert wrong_type.status_code == 422 and "810000" in wrong_type.text


async def test_a_unit_files_for_its_own_employees_only(api: Api):
    uscc, other = await api.unit(), await api.unit()
    [certno] = await api.employees(uscc, "王五")
    row = {"name": "王五", "certno": certno, "change_type": "suspend", "stop_month": "2026-01"}
    own = await api.post("/employee-reductions", reduction(uscc, row), employer(uscc))
    assert own.status_code == 201
    foreign = await api.post("/employee-reductions", reduction(uscc, row), employer(other))
    assert foreign.status_code == 403
