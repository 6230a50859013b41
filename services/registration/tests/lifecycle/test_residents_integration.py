"""城乡居民 on a real PostgreSQL: 参保登记 by the person, a school's 汇总表 uploaded as a CSV file with a
row-by-row report (good rows kept, bad rows refused with their line and reasons), and 变更登记."""

import asyncio
from datetime import date

import pytest

from .conftest import Api, employer, new_certno, new_uscc, person

pytestmark = pytest.mark.integration

ID_MATERIALS = ["id_document", "resident_registration_form"]


def resident(certno: str, name: str = "居民甲", **changes) -> dict:
    form = {
        "name": name,
        "certno": certno,
        "identity": "rural",
        "phone": "13700137000",
        "household_address": "郴州市北湖区",
    }
    return {"form": form | changes, "materials": ID_MATERIALS}


async def test_a_resident_enrols_once_and_not_while_in_the_employee_scheme(api: Api):
    certno = new_certno(date(1960, 3, 1))
    applied = await api.post("/resident-registrations", resident(certno), person(certno))
    assert applied.status_code == 201 and applied.json()["case"]["status"] == "submitted"
    accepted = await api.post(f"/cases/{applied.json()['case']['case_no']}/actions/accept", {})
    assert accepted.json()["status"] == "completed"  # 即时办结
    [(insutype, detail)] = await api.rows("SELECT insutype, detail FROM enrolment")
    assert insutype == "390" and detail["identity"] == "rural" and detail["household_address"] == "郴州市北湖区"
    assert await api.scalar("SELECT sex FROM insured_person") in ("1", "2")
    twice = await api.post("/resident-registrations", resident(certno))
    assert twice.status_code == 409 and twice.json()["code"] == "person_already_enrolled"
    uscc = await api.unit()
    [worker] = await api.employees(uscc, "职工")
    employee = await api.post("/resident-registrations", resident(worker, "职工"))
    assert employee.status_code == 409 and employee.json()["code"] == "enrolled_in_employee_scheme"
    other = new_certno()
    wrong_sex = await api.post("/resident-registrations", resident(other, sex="1" if int(other[16]) % 2 == 0 else "2"))
    assert wrong_sex.status_code == 422 and "性别与身份证号码不符" in wrong_sex.text


async def test_a_school_batch_with_bad_rows_is_reported_row_by_row_and_only_the_good_rows_are_enrolled(api: Api):
    school = new_uscc()
    good = [new_certno(date(2012, 3, 1)), new_certno(date(2011, 7, 5)), new_certno(date(2013, 1, 9))]
    uscc = await api.unit()
    [worker] = await api.employees(uscc, "家长")
    lines = [
        "序号,姓名,性别,户籍所在地,参保身份,身份证号码,联系电话,补助类别,本年缴费,实际缴费时间,备注",
        f"1,李小明,,郴州市北湖区,中小学儿童,{good[0]},13800138000,,380,2026-09-01,",
        f"2,王小红,,郴州市苏仙区,中小学儿童,{good[1]},13800138001,孤儿,0,2026-09-01,",
        "3,张三,男,郴州市北湖区,中小学儿童,430000201203011234,13800138000,,380,2026-09-01,",
        f"4,李小明,,郴州市北湖区,中小学儿童,{good[0]},,,380,2026-09-01,",
        f"5,家长,,郴州市北湖区,中小学儿童,{worker},,,380,2026-09-01,",
        f"6,赵小刚,,郴州市北湖区,外星人,{good[2]},1380013800,,abc,2026-09-01,",
    ]
    params = {
        "organisation_uscc": school,
        "organisation_name": "郴州市第一中学",
        "district": "北湖区",
        "materials": ["id_document", "resident_registration_form", "school_summary_form"],
    }
    upload = await api.post(
        "/resident-batches", "\n".join(lines).encode("gb18030"), params=params, headers={"content-type": "text/csv"}
    )
    assert upload.status_code == 201, upload.text
    report = upload.json()["report"]
    assert (report["file_rows"], report["accepted"], report["refused"]) == (6, 2, 4)
    by_line = {r["line"]: r for r in report["rows"]}
    assert by_line[2]["status"] == by_line[3]["status"] == "accepted"
    assert "身份证号码不正确" in by_line[4]["reasons"][0]
    assert by_line[5]["reasons"] == ["身份证号码与第2行重复"]
    assert by_line[6]["reasons"] == ["已参加职工基本医疗保险，不能参加城乡居民基本医疗保险"]
    assert any("参保身份「外星人」" in r for r in by_line[7]["reasons"]) and any(
        "联系电话" in r for r in by_line[7]["reasons"]
    )
    case = upload.json()["case"]
    assert case["item_key"] == "resident_registration" and case["status"] == "completed"  # 郴州: 即时办结
    residents = await api.rows(
        "SELECT p.certno FROM enrolment e JOIN insured_person p ON p.id = e.person_id "
        "WHERE e.insutype = '390' ORDER BY 1"
    )
    assert [c for (c,) in residents] == sorted(good[:2])
    final = (await api.get(f"/resident-batches/{case['case_no']}/report", employer(school))).json()
    assert [r["status"] for r in final["rows"]] == ["enrolled", "enrolled", "refused", "refused", "refused", "refused"]
    assert len(await api.events("registration.person.enrolled.v1")) == 2 + 1  # the two pupils, and the parent (310)
    # the same file again: every row is refused now, nothing is written, every reason is given
    cases = await api.cases()
    again = await api.post(
        "/resident-batches", "\n".join(lines).encode(), params=params, headers={"content-type": "text/csv"}
    )
    assert again.status_code == 422 and again.json()["code"] == "batch_has_no_valid_rows"
    assert [r["line"] for r in again.json()["rows"]] == [2, 3, 4, 5, 6, 7]
    assert "已参加城乡居民基本医疗保险" in again.json()["rows"][0]["reasons"][0]
    assert await api.cases() == cases


async def test_a_broken_file_is_refused_as_a_whole_in_chinese(api: Api):
    params = {"organisation_uscc": new_uscc(), "organisation_name": "某小学"}
    no_header = await api.post(
        "/resident-batches", "学校,地址\n".encode(), params=params, headers={"content-type": "text/csv"}
    )
    assert (
        no_header.status_code == 422
        and no_header.json()["code"] == "batch_file_invalid"
        and "身份证号码" in no_header.json()["detail"]
    )
    as_json = await api.post("/resident-batches", {"rows": []}, params=params)
    assert as_json.status_code == 415
    bad_uscc = await api.post(
        "/resident-batches", b"x", params=params | {"organisation_uscc": "123"}, headers={"content-type": "text/csv"}
    )
    assert bad_uscc.status_code == 422 and bad_uscc.json()["code"] == "invalid_uscc"


async def test_resident_changes_keep_before_and_after_and_suspension_stops_the_enrolment(api: Api):
    certno = new_certno(date(1975, 5, 5))
    await api.done("/resident-registrations", resident(certno, "居民乙"))
    change = {
        "name": "居民乙",
        "certno": certno,
        "changes": {"mobile": "13600136000"},
        "details": {"identity": "urban_non_employed", "mailing_address": "郴州市北湖区新地址"},
    }
    case = await api.done("/resident-changes", {"form": change, "materials": ["id_document", "resident_change_form"]})
    assert case["result"]["changes"]["mobile"] == {"before": "13700137000", "after": "13600136000"}
    assert case["result"]["changes"]["identity"] == {"before": "rural", "after": "urban_non_employed"}
    suspend = {"name": "居民乙", "certno": certno, "change_type": "suspend", "month": "2026-12"}
    await api.done("/resident-changes", {"form": suspend, "materials": ["id_document", "resident_change_form"]})
    assert await api.scalar("SELECT status FROM enrolment") == "suspended"
    resume_twice = {"name": "居民乙", "certno": certno, "change_type": "resume", "month": "2027-01"}
    await api.done("/resident-changes", {"form": resume_twice, "materials": ["id_document", "resident_change_form"]})
    again = await api.post("/resident-changes", {"form": resume_twice})
    assert again.status_code == 409 and again.json()["code"] == "enrolment_not_suspended"


async def test_two_concurrent_registrations_of_one_person_leave_one_enrolment_and_a_409(api: Api):
    certno = new_certno(date(1988, 8, 8))
    results = await asyncio.gather(*(api.post("/resident-registrations", resident(certno)) for _ in range(4)))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409], [r.text for r in results]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"person_already_enrolled"}
    assert await api.scalar("SELECT count(*) FROM enrolment") == 1
    assert await api.scalar("SELECT count(*) FROM insured_person") == 1
    assert len(await api.events("registration.person.enrolled.v1")) == 1


async def test_a_batch_enrols_known_persons_one_by_one_and_new_ones_in_bulk(api: Api):
    known = new_certno(date(2010, 2, 2))
    await api.done("/resident-registrations", resident(known, "老住户"))
    suspend = {"name": "老住户", "certno": known, "change_type": "suspend", "month": "2026-06"}
    await api.done("/resident-changes", {"form": suspend, "materials": ["id_document", "resident_change_form"]})
    new = [new_certno(date(2011, 3, 3)), new_certno(date(2012, 4, 4))]
    csv = "姓名,身份证号码\n老住户," + known + "\n" + "\n".join(f"新生{i},{c}" for i, c in enumerate(new))
    params = {
        "organisation_uscc": new_uscc(),
        "organisation_name": "某中学",
        "materials": [*ID_MATERIALS, "school_summary_form"],
    }
    upload = await api.post("/resident-batches", csv.encode(), params=params, headers={"content-type": "text/csv"})
    assert upload.status_code == 201, upload.text
    assert upload.json()["case"]["result"]["enrolled"] == 3
    statuses = await api.rows(
        "SELECT p.name, e.status, e.detail->>'organisation' FROM enrolment e "
        "JOIN insured_person p ON p.id = e.person_id ORDER BY 1"
    )
    assert statuses == [
        ("新生0", "enrolled", "某中学"),
        ("新生1", "enrolled", "某中学"),
        ("老住户", "enrolled", "某中学"),
    ]
    kinds = await api.rows("SELECT kind FROM enrolment_change ORDER BY id")
    assert [k for (k,) in kinds] == ["enrol", "suspend", "enrol", "enrol", "enrol"]
    assert len(await api.events("registration.person.enrolled.v1")) == 4
    assert len(set(await api.rows("SELECT psn_no FROM insured_person"))) == 3
