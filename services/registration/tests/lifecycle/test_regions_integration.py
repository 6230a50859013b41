"""The same move under each region's item: 徐州 approves retirements as 退休审批 and files 退保 with its own
materials; 潍坊 runs a school's roster as 学生参保登记, done within the 集中缴费期 rather than at once."""

from datetime import date

import pytest

from .conftest import Api, new_certno, new_uscc, unit_form

pytestmark = pytest.mark.integration

XUZHOU_UNIT = ["business_licence", "legal_rep_and_agent_id", "unit_bank_account"]
XUZHOU_EMPLOYEE = ["id_document", "unit_commitment_letter", "staff_change_roster"]


async def xuzhou_unit_with(api: Api, *names: str) -> tuple[str, list[str]]:
    uscc = new_uscc()
    body = {"form": unit_form(uscc, "徐州市示例有限公司"), "materials": XUZHOU_UNIT, "situations": ["first_enrolment"]}
    await api.done("/unit-registrations", body)
    numbers = [new_certno() for _ in names]
    rows = [{"name": n, "certno": c, "start_month": "2020-01"} for n, c in zip(names, numbers, strict=True)]
    await api.done(
        "/employee-registrations", {"form": {"unit_uscc": uscc, "employees": rows}, "materials": XUZHOU_EMPLOYEE}
    )
    return uscc, numbers


async def test_xuzhou_runs_retirement_as_its_retirement_approval_item(xuzhou: Api):
    uscc, [certno] = await xuzhou_unit_with(xuzhou, "老徐")
    row = {
        "name": "老徐",
        "certno": certno,
        "retirement_type": "normal",
        "deemed_months": 0,
        "actual_months": 360,
        "benefits_from_month": "2026-01",
    }
    applied = await xuzhou.post("/employee-retirements", {"form": {"unit_uscc": uscc, "rows": [row]}, "materials": []})
    case = applied.json()["case"]
    assert case["item_key"] == "retirement_approval" and case["status"] == "incomplete"
    assert "《企业职工基本养老保险基本养老金核定表》" in case["missing"]
    done = await xuzhou.done(
        "/employee-retirements",
        {
            "form": {"unit_uscc": uscc, "rows": [row]},
            "materials": ["enterprise_pension_form", "id_document", "staff_change_roster"],
        },
    )
    assert done["result"]["retired"][0]["cumulative_months"] == 360


async def test_xuzhou_files_a_termination_as_withdrawal_with_its_own_materials(xuzhou: Api):
    uscc, [certno] = await xuzhou_unit_with(xuzhou, "出国者")
    row = {
        "name": "出国者",
        "certno": certno,
        "change_type": "terminate",
        "stop_month": "2026-01",
        "reason": "emigration",
    }
    applied = await xuzhou.post("/employee-reductions", {"form": {"unit_uscc": uscc, "rows": [row]}, "materials": []})
    missing = applied.json()["case"]["missing"]
    assert "出国（境）证明、公安部门开具的注销户口证明" in missing
    assert "单位参保业务承诺书" not in missing  # that one is for 参保、停保登记, not for 退保


async def test_weifang_runs_a_school_roster_as_student_registration_completed_later(weifang: Api):
    pupils = [new_certno(date(2014, 5, 1)), new_certno(date(2015, 6, 2))]
    csv = "姓名,身份证号码\n" + "\n".join(f"学生{i},{c}" for i, c in enumerate(pupils))
    params = {"organisation_uscc": new_uscc(), "organisation_name": "潍坊市实验小学", "materials": ["student_roster"]}
    upload = await weifang.post("/resident-batches", csv.encode(), params=params, headers={"content-type": "text/csv"})
    assert upload.status_code == 201, upload.text
    case = upload.json()["case"]
    assert case["item_key"] == "student_registration" and case["status"] == "accepted"  # 集中缴费期内办结
    assert await weifang.scalar("SELECT count(*) FROM enrolment") == 0
    done = await weifang.complete(case)
    assert done["result"]["enrolled"] == 2
    details = await weifang.rows("SELECT detail FROM enrolment")
    assert {d["identity"] for (d,) in details} == {"child"} and {d["organisation"] for (d,) in details} == {
        "潍坊市实验小学"
    }
