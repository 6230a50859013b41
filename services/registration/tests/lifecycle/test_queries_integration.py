"""参保信息查询 on a real PostgreSQL: a person sees their own record, a unit its own and its employees', staff
everyone's; the window's query case carries the printed record as its result."""

from datetime import date

import pytest

from .conftest import Api, employer, new_certno, person

pytestmark = pytest.mark.integration


async def test_a_person_sees_their_own_record_with_periods_and_nobody_elses(api: Api):
    uscc = await api.unit()
    [certno, other] = await api.employees(uscc, "王五", "赵六", start_month="2025-01")
    rows = [{"name": "王五", "certno": certno, "change_type": "suspend", "stop_month": "2025-06"}]
    await api.done(
        "/employee-reductions",
        {"form": {"unit_uscc": uscc, "rows": rows}, "materials": ["employee_registration_form", "id_document"]},
    )
    resume = [{"name": "王五", "certno": certno, "resume_month": "2025-09"}]
    await api.done(
        "/employee-resumptions",
        {"form": {"unit_uscc": uscc, "rows": resume}, "materials": ["employee_registration_form", "id_document"]},
    )
    mine = await api.get("/insurance-info/mine", person(certno))
    assert mine.status_code == 200, mine.text
    record = mine.json()
    assert record["person"]["name"] == "王五" and "*" in record["person"]["certno"]
    [enrolment] = record["enrolments"]
    assert enrolment["scheme"] == "职工基本医疗保险" and enrolment["status_zh"] == "正常参保"
    assert enrolment["personnel_type_zh"] == "在职" and enrolment["unit"]["uscc"] == uscc
    assert enrolment["contribution_base"] == "6000.00"
    assert enrolment["periods"] == [{"from": "2025-01-01", "to": "2025-06-01"}, {"from": "2025-09-01", "to": None}]
    assert [h["kind"] for h in enrolment["history"]] == ["enrol", "suspend", "resume"]
    same = await api.post("/insurance-info/persons", {"certno": certno}, person(certno))
    assert same.json() == record
    theirs = await api.post("/insurance-info/persons", {"certno": other}, person(certno))
    assert theirs.status_code == 403 and theirs.json()["code"] == "not_owner"
    bad = await api.post("/insurance-info/persons", {"certno": "123456789012345678"})
    assert bad.status_code == 422 and "身份证号码不正确" in bad.json()["detail"]


async def test_a_unit_sees_itself_and_its_employees_only(api: Api):
    uscc, other = await api.unit(), await api.unit(name="别的公司")
    [mine] = await api.employees(uscc, "本单位职工")
    [theirs] = await api.employees(other, "别单位职工")
    info = await api.get(f"/insurance-info/units/{uscc}", employer(uscc))
    assert info.status_code == 200
    unit = info.json()
    assert unit["unit"]["status_zh"] == "正常参保" and unit["insured"]["in_service"] == 1
    assert unit["contribution"]["monthly_contribution_base_total"] == "6000.00"
    assert unit["contribution"]["status_zh"] == "正常缴费" and "*" in unit["unit"]["legal_rep_certno"]
    listed = (await api.get(f"/insurance-info/units/{uscc}/employees", employer(uscc))).json()
    assert [e["name"] for e in listed] == ["本单位职工"]
    assert (await api.get(f"/insurance-info/units/{other}", employer(uscc))).status_code == 403
    assert (await api.post("/insurance-info/persons", {"certno": mine}, employer(uscc))).status_code == 200
    foreign = await api.post("/insurance-info/persons", {"certno": theirs}, employer(uscc))
    assert foreign.status_code == 403 and foreign.json()["code"] == "not_your_employee"
    assert (await api.get("/insurance-info/mine", employer(uscc))).json()["unit"]["uscc"] == uscc


async def test_the_window_query_case_completes_at_once_with_the_record(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "查询人")
    case = await api.done("/person-insurance-queries", {"form": {"certno": certno}, "materials": ["id_document"]})
    assert case["item_key"] == "person_insurance_query" and case["status"] == "completed"
    assert case["result"]["person"]["name"] == "查询人"
    unit_case = await api.done("/unit-insurance-queries", {"form": {"uscc": uscc}, "materials": ["uscc_certificate"]})
    assert unit_case["result"]["unit"]["uscc"] == uscc
    unknown = await api.post(
        "/person-insurance-queries", {"form": {"certno": new_certno(date(1990, 1, 1))}, "materials": ["id_document"]}
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "person_not_found"


async def test_the_records_show_the_contributions_the_tax_bureau_files_recorded(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "缴费人", start_month="2026-01")
    header = "certno,psn_name,insutype,month,contribution_base,employer_amount,person_amount,employer_uscc,paid_on"
    rows = [f"{certno},缴费人,310,2026-{m:02d},6000.00,480.00,120.00,{uscc}," for m in (1, 2, 3)]
    imported = await api.post(
        "/contribution-batches",
        ("\n".join([header, *rows]) + "\n").encode(),
        params={"period": "2026-03"},
        headers={"content-type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    record = (await api.post("/insurance-info/persons", {"certno": certno})).json()
    [months] = record["contributions"]
    assert months["insutype"] == "310" and months["actual_months"] == 3 and months["last_month"] == "2026-03"
    unit = (await api.get(f"/insurance-info/units/{uscc}", employer(uscc))).json()
    assert unit["contribution"]["recorded"] == {
        "last_month": "2026-03",
        "persons": 1,
        "employer_amount": "480.00",
        "person_amount": "120.00",
    }
