"""The lifecycle through the gateway with real processes: a unit enrols employees, one retires, one leaves
(终止参保), a school's 汇总表 with bad rows is reported row by row; bad input gets Chinese problems."""

import datetime as dt
import random

import httpx
import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

pytestmark = pytest.mark.system

FORM_MATERIALS = ["employee_registration_form", "id_document"]


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno(born: dt.date | None = None) -> str:
    born = born or dt.date(1965, 1, 1) + dt.timedelta(days=random.randrange(15000))
    body = f"431002{born:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def done(gateway: httpx.Client, path: str, body: dict) -> dict:
    """Apply through the gateway and, unless the window completed it, complete the case as a reviewer."""
    applied = gateway.post(f"/api/v1/registration{path}", json=body)
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    if case["status"] != "completed":
        assert case["status"] == "accepted", case
        completed = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={})
        assert completed.status_code == 200, completed.text
        case = completed.json()
    return dict(case)


def test_a_unit_enrols_employees_one_retires_one_leaves_and_the_unit_record_shows_it(gateway: httpx.Client):
    uscc = new_uscc()
    unit = {
        "uscc": uscc,
        "name": "郴州市生命周期测试有限公司",
        "address": "郴州市北湖区人民西路1号",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "handler_name": "李四",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }
    done(gateway, "/unit-registrations", {"form": unit, "materials": ["uscc_certificate", "unit_registration_form"]})
    stays, retires, leaves = new_certno(), new_certno(dt.date(1966, 2, 3)), new_certno()
    employees = [
        {"name": name, "certno": number, "declared_monthly_wage": "6000.00", "start_month": "2020-01"}
        for name, number in (("留任", stays), ("退休", retires), ("离开", leaves))
    ]
    enrolled = done(
        gateway,
        "/employee-registrations",
        {"form": {"unit_uscc": uscc, "employees": employees}, "materials": FORM_MATERIALS},
    )
    assert len(enrolled["result"]["enrolled"]) == 3
    retirement = {
        "name": "退休",
        "certno": retires,
        "retirement_type": "normal",
        "deemed_months": 60,
        "actual_months": 372,
        "benefits_from_month": "2026-03",
    }
    retired = done(
        gateway,
        "/employee-retirements",
        {
            "form": {"unit_uscc": uscc, "rows": [retirement]},
            "materials": [*FORM_MATERIALS, "retirement_approval_documents"],
        },
    )
    assert retired["result"]["retired"][0]["cumulative_months"] == 432
    leaving = {
        "name": "离开",
        "certno": leaves,
        "change_type": "terminate",
        "stop_month": "2026-04",
        "reason": "emigration",
    }
    left = done(
        gateway,
        "/employee-reductions",
        # 出国定居的需提供护照或永久居留证 (郴州)
        {"form": {"unit_uscc": uscc, "rows": [leaving]}, "materials": [*FORM_MATERIALS, "passport"]},
    )
    assert left["result"]["reduced"][0]["change_type"] == "terminate"
    record = gateway.get(f"/api/v1/registration/insurance-info/units/{uscc}")
    assert record.status_code == 200, record.text
    assert record.json()["insured"] == {"in_service": 1, "suspended": 0, "retired": 1, "terminated": 1}
    person = gateway.post("/api/v1/registration/insurance-info/persons", json={"certno": leaves}).json()
    [enrolment] = person["enrolments"]
    assert enrolment["status_zh"] == "终止参保" and enrolment["stop_reason"] == "emigration"
    never_suspended = gateway.post(
        "/api/v1/registration/employee-resumptions",
        json={"form": {"unit_uscc": uscc, "rows": [{"name": "留任", "certno": stays, "resume_month": "2026-05"}]}},
    )
    assert never_suspended.status_code == 409
    assert never_suspended.headers["content-type"] == "application/problem+json"
    assert (
        never_suspended.json()["code"] == "enrolment_not_suspended" and "未暂停参保" in never_suspended.json()["detail"]
    )
    twice = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={"form": {"unit_uscc": uscc, "employees": employees[:1]}, "materials": FORM_MATERIALS},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "person_already_enrolled"
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")  # always the wrong check character
    invalid = gateway.post("/api/v1/registration/unit-suspensions", json={"form": {"uscc": wrong}})
    assert invalid.status_code == 422 and "统一社会信用代码不正确" in invalid.text


def test_a_school_batch_with_bad_rows_is_reported_row_by_row(gateway: httpx.Client):
    pupils = [new_certno(dt.date(2013, 4, 1)), new_certno(dt.date(2012, 9, 9))]
    wrong = new_certno(dt.date(2013, 1, 1))
    wrong = wrong[:-1] + ("0" if wrong[-1] != "0" else "1")  # the check digit is wrong
    csv = "\n".join(
        [
            "序号,姓名,性别,户籍所在地,参保身份,身份证号码,联系电话,补助类别,本年缴费,实际缴费时间,备注",
            f"1,周小一,,郴州市北湖区,中小学儿童,{pupils[0]},13800138000,,380,2026-09-01,",
            f"2,吴小二,,郴州市北湖区,中小学儿童,{wrong},13800138000,,380,2026-09-01,",
            f"3,郑小三,,郴州市北湖区,中小学儿童,{pupils[1]},13800138000,低保,380,2026/9/2,",
            f"4,周小一,,郴州市北湖区,中小学儿童,{pupils[0]},13800138000,,380,2026-09-01,",
            "5,,,郴州市北湖区,中小学儿童,,13800138000,,380,2026-13-01,",
        ]
    )
    params = {
        "organisation_uscc": new_uscc(),
        "organisation_name": "郴州市第二中学",
        "district": "北湖区",
        "materials": ["id_document", "resident_registration_form", "school_summary_form"],
    }
    upload = gateway.post(
        "/api/v1/registration/resident-batches",
        content=csv.encode("utf-8"),
        params=params,
        headers={"content-type": "text/csv"},
    )
    assert upload.status_code == 201, upload.text
    report = upload.json()["report"]
    assert (report["accepted"], report["refused"]) == (2, 3)
    reasons = {r["line"]: r["reasons"] for r in report["rows"] if r["status"] == "refused"}
    assert set(reasons) == {3, 5, 6}
    assert "身份证号码不正确" in reasons[3][0] and reasons[5] == ["身份证号码与第2行重复"]
    assert any("姓名" in r for r in reasons[6]) and any("实际缴费时间" in r for r in reasons[6])
    case = upload.json()["case"]
    assert case["status"] == "completed"
    final = gateway.get(f"/api/v1/registration/resident-batches/{case['case_no']}/report").json()
    assert [r["status"] for r in final["rows"]] == ["enrolled", "refused", "enrolled", "refused", "refused"]
    pupil = gateway.post("/api/v1/registration/insurance-info/persons", json={"certno": pupils[1]}).json()
    assert (
        pupil["enrolments"][0]["insutype"] == "390"
        and pupil["enrolments"][0]["details"]["subsidy_category"] == "minimum_living"
    )
