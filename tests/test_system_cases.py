"""Cases through the gateway: each region's own limits, 职工参保登记 as a case, progress and due lists."""

import datetime as dt
import random

import httpx
import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

from medins.workdays import WorkCalendar

pytestmark = pytest.mark.system


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno() -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=random.randrange(15000))
    body = f"431002{birth:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum computes over all but the last character


def unit_application(uscc: str) -> dict:
    return {
        "form": {
            "uscc": uscc,
            "name": "示例有限公司",
            "address": "示例路1号",
            "legal_rep_name": "张三",
            "legal_rep_phone": "0735-2221234",
            "legal_rep_certno": "11010519491231002X",
            "handler_name": "李四",
            "handler_mobile": "13800138000",
            "insured_products": ["employee_medical"],
        },
        "materials": ["uscc_certificate", "unit_registration_form"],
    }


def client(stack, staff_token) -> httpx.Client:
    token = httpx.post(stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": "demo-admin"}).json()
    return httpx.Client(
        base_url=stack.cfg.url("gateway"), headers={"authorization": f"Bearer {token['access_token']}"}, timeout=30
    )


def test_the_same_item_in_431000_and_370700_runs_on_each_regions_time_limit(stack, stack_370700, staff_token):
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    with client(stack, staff_token) as chenzhou, client(stack_370700, staff_token) as weifang:
        in_chenzhou = chenzhou.post("/api/v1/registration/unit-registrations", json=unit_application(new_uscc()))
        in_weifang = weifang.post("/api/v1/registration/unit-registrations", json=unit_application(new_uscc()))
    assert in_chenzhou.status_code == in_weifang.status_code == 201, (in_chenzhou.text, in_weifang.text)
    c, w = in_chenzhou.json()["case"], in_weifang.json()["case"]
    # 郴州: 不超过5个工作日 from acceptance; 山东: 即时办结 at the window
    assert c["status"] == "accepted" and c["region"] == "431000"
    assert c["deadline"] == WorkCalendar("431000").add_working_days(today, 5).date.isoformat()
    assert w["status"] == "completed" and w["region"] == "370700" and w["case_no"].startswith("REG-370700-")
    assert w["result"]["unit_code"].startswith("370700")


def test_employee_registration_is_a_case_that_enrols_the_employees(gateway: httpx.Client):
    uscc = new_uscc()
    unit_case = gateway.post("/api/v1/registration/unit-registrations", json=unit_application(uscc)).json()["case"]
    gateway.post(f"/api/v1/registration/cases/{unit_case['case_no']}/actions/complete", json={}).raise_for_status()
    employees = [
        {"name": "王五", "certno": new_certno(), "declared_monthly_wage": "6500.00", "start_month": "2026-11"},
        {"name": "赵六", "certno": new_certno(), "declared_monthly_wage": 5200, "start_month": "2026-11"},
    ]
    form = {"unit_uscc": uscc, "employees": employees}
    incomplete = gateway.post("/api/v1/registration/employee-registrations", json={"form": form, "materials": []})
    assert incomplete.status_code == 201, incomplete.text
    case = incomplete.json()["case"]
    assert case["status"] == "incomplete"
    assert "《郴州市职工基本医疗保险参保登记表》（加盖单位公章）" in case["missing"]
    resubmitted = gateway.post(
        f"/api/v1/registration/cases/{case['case_no']}/actions/resubmit",
        json={"materials": ["employee_registration_form", "id_document"]},
    )
    assert resubmitted.json()["status"] == "submitted"
    accepted = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/accept", json={})
    assert accepted.json()["status"] == "accepted", accepted.text
    assert [d["form"] for d in accepted.json()["documents"]] == ["A.1", "B.3"]
    done = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={})
    assert done.status_code == 200, done.text
    enrolled = done.json()["result"]["enrolled"]
    assert sorted(e["name"] for e in enrolled) == ["王五", "赵六"]
    assert all(e["psn_no"].startswith("431000") for e in enrolled)
    again = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={
            "form": {"unit_uscc": uscc, "employees": employees[:1]},
            "materials": ["employee_registration_form", "id_document"],
        },
    )
    assert again.status_code == 409 and again.json()["code"] == "person_already_enrolled"
    unknown_unit = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={"form": {"unit_uscc": new_uscc(), "employees": [employees[0] | {"certno": new_certno()}]}},
    )
    assert unknown_unit.status_code == 422 and unknown_unit.json()["code"] == "employer_not_registered"


def test_staff_see_cases_due_soon_and_a_case_cannot_skip_its_steps(gateway: httpx.Client, stack, staff_token):
    case = gateway.post("/api/v1/registration/unit-registrations", json=unit_application(new_uscc())).json()["case"]
    due = gateway.get("/api/v1/registration/cases/due", params={"within": 10}).json()
    assert case["case_no"] in [d["case_no"] for d in due]
    entry = next(d for d in due if d["case_no"] == case["case_no"])
    assert entry["overdue"] is False and entry["working_days_left"] == 5
    resubmit = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/resubmit", json={})
    assert resubmit.status_code == 409 and resubmit.json()["code"] == "illegal_transition"
    pay = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/pay", json={})
    assert pay.status_code == 403 and pay.json()["code"] == "role_required"  # 拨付 is 财务's
    evaluate = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/evaluation", json={"grade": "满意"})
    assert evaluate.status_code in (403, 409)
    extension = {"days": 5, "reason": "特殊情况"}
    by_intake = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/extend", json=extension)
    assert by_intake.status_code == 403 and by_intake.json()["code"] == "role_required"
    with client(stack, staff_token) as admin:
        by_admin = admin.post(f"/api/v1/registration/cases/{case['case_no']}/extend", json=extension)
    # 郴州's guide allows no 特殊情况 extension
    assert by_admin.status_code == 422 and by_admin.json()["code"] == "extension_not_allowed", by_admin.text
    assert gateway.get(f"/api/v1/registration/cases/{case['case_no']}").json()["status"] == "accepted"
