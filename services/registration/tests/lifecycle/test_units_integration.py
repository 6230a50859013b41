"""A unit's lifecycle on a real PostgreSQL: 信息变更 with before/after, 暂停 and 恢复 with its employees, 注销,
拆分合并分立, who may apply; a refused application writes nothing."""

import pytest

from .conftest import Api, employer, new_uscc

pytestmark = pytest.mark.integration

UNIT_MATERIALS = ["uscc_certificate", "unit_registration_form"]


async def test_a_unit_change_keeps_each_field_before_and_after_and_announces_it(api: Api):
    uscc = await api.unit()
    new = new_uscc()
    changes = {
        "name": "郴州市新名称科技有限公司",
        "address": "郴州市苏仙区1号",
        "uscc": new,
        "handler_mobile": "13900139000",
    }
    case = await api.done(
        "/unit-changes",
        {"form": {"uscc": uscc, "changes": changes}, "materials": ["unit_change_form"], "situations": []},
    )
    assert case["status"] == "completed" and case["result"]["uscc"] == new  # 郴州: 即时办结
    assert case["result"]["changes"]["name"] == {
        "before": "郴州市示例科技有限公司",
        "after": "郴州市新名称科技有限公司",
    }
    # the B.2 receipt's 变更前信息 / 变更后信息 come from the unit's register at the application
    [(fields,)] = await api.rows(
        "SELECT form->'receipt_fields' FROM case_record WHERE item_key = 'unit_change_registration'"
    )
    assert "单位名称：郴州市示例科技有限公司" in fields["before"] and "住所（地址）：郴州市苏仙区1号" in fields["after"]
    [(before, after)] = await api.rows("SELECT before, after FROM unit_change WHERE kind = 'change'")
    assert before["uscc"] == uscc and after["uscc"] == new and before["address"] == "郴州市北湖区人民西路1号"
    assert await api.scalar("SELECT former_uscc FROM employer WHERE uscc = :u", u=new) == uscc
    [event] = await api.events("registration.unit.changed.v1")
    assert event["uscc"] == new and event["former_uscc"] == uscc and set(event["changes"]) == set(changes)
    # the same values again change nothing; another unit's USCC is taken
    same = await api.post("/unit-changes", {"form": {"uscc": new, "changes": {"name": changes["name"]}}})
    assert same.status_code == 422 and same.json()["code"] == "nothing_changed"
    other = await api.unit()
    taken = await api.post("/unit-changes", {"form": {"uscc": new, "changes": {"uscc": other}}})
    assert taken.status_code == 409 and taken.json()["code"] == "unit_already_registered"


async def test_suspending_a_unit_suspends_its_employees_and_resuming_it_resumes_only_them(api: Api):
    uscc = await api.unit()
    _, second = await api.employees(uscc, "王五", "赵六")
    await api.done(
        "/employee-reductions",
        {
            "form": {
                "unit_uscc": uscc,
                "rows": [{"name": "赵六", "certno": second, "change_type": "suspend", "stop_month": "2025-06"}],
            },
            "materials": ["employee_registration_form", "id_document"],
        },
    )
    case = await api.done("/unit-suspensions", {"form": {"uscc": uscc, "reason": "停业"}, "materials": UNIT_MATERIALS})
    assert case["result"]["status"] == "suspended" and case["result"]["persons_affected"] == 1
    statuses = dict(
        await api.rows("SELECT p.name, e.suspension_cause FROM enrolment e JOIN insured_person p ON p.id = e.person_id")
    )
    assert statuses == {"王五": "unit_suspended", "赵六": None}
    refused = await api.post(
        "/employee-registrations",
        {
            "form": {
                "unit_uscc": uscc,
                "employees": [{"name": "新人", "certno": "11010519491231002X", "start_month": "2026-01"}],
            }
        },
    )
    assert refused.status_code == 422 and refused.json()["code"] == "employer_not_registered"
    resumed = await api.done("/unit-resumptions", {"form": {"uscc": uscc}, "materials": UNIT_MATERIALS})
    assert resumed["result"]["persons_affected"] == 1
    rows = dict(await api.rows("SELECT p.name, e.status FROM enrolment e JOIN insured_person p ON p.id = e.person_id"))
    assert rows == {"王五": "enrolled", "赵六": "suspended"}  # 赵六 was suspended by the unit's own 减少
    assert [e["cause"] for e in await api.events("registration.person.suspended.v1")] == ["reported", "unit_suspended"]
    assert (
        len(await api.events("registration.unit.suspended.v1"))
        == len(await api.events("registration.unit.resumed.v1"))
        == 1
    )
    again = await api.post("/unit-resumptions", {"form": {"uscc": uscc}, "materials": UNIT_MATERIALS})
    assert again.status_code == 409 and again.json()["code"] == "unit_status_conflict"
    assert "未暂停参保" in again.json()["detail"]


async def test_a_unit_with_employees_cannot_be_cancelled_and_the_refusal_writes_nothing(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "王五")
    cases = await api.cases()
    refused = await api.post("/unit-cancellations", {"form": {"uscc": uscc}, "materials": UNIT_MATERIALS})
    assert refused.status_code == 409 and refused.json()["code"] == "unit_has_insured_persons"
    assert "在职职工1人" in refused.json()["detail"]
    assert await api.cases() == cases and await api.scalar("SELECT count(*) FROM unit_change") == 0
    await api.done(
        "/employee-reductions",
        {
            "form": {
                "unit_uscc": uscc,
                "rows": [
                    {
                        "name": "王五",
                        "certno": certno,
                        "change_type": "terminate",
                        "stop_month": "2026-01",
                        "reason": "transfer_out",
                    }
                ],
            },
            "materials": ["employee_registration_form", "id_document"],
        },
    )
    case = await api.done(
        "/unit-cancellations", {"form": {"uscc": uscc, "reason": "注销通知书"}, "materials": UNIT_MATERIALS}
    )
    assert case["item_key"] == "unit_registration" and case["result"]["status"] == "cancelled"
    [event] = await api.events("registration.unit.cancelled.v1")
    assert event["reason"] == "cancelled" and event["uscc"] == uscc
    later = await api.post("/unit-changes", {"form": {"uscc": uscc, "changes": {"address": "新地址999号"}}})
    assert later.status_code == 409 and "已注销" in later.json()["detail"]


async def test_a_merger_moves_the_persons_to_the_successor_and_ends_the_predecessors(api: Api):
    a, b = await api.unit(name="甲公司"), await api.unit(name="乙公司")
    survivor = await api.unit(name="丙集团")
    [x] = await api.employees(a, "甲员工")
    [y, z] = await api.employees(b, "乙员工", "乙员工二")
    form = {"kind": "merge", "predecessors": [a, b], "successors": [survivor], "reason": "合并协议书"}
    case = await api.done("/unit-restructurings", {"form": form, "materials": UNIT_MATERIALS})
    assert case["result"]["moved_persons"] == 3
    statuses = dict(await api.rows("SELECT uscc, status FROM employer"))
    assert statuses == {a: "cancelled", b: "cancelled", survivor: "active"}
    units = await api.rows("SELECT DISTINCT u.uscc FROM enrolment e JOIN employer u ON u.id = e.employer_id")
    assert units == [(survivor,)]
    assert await api.scalar("SELECT count(*) FROM unit_link WHERE kind = 'merge'") == 2
    moved = await api.events("registration.person.employer_changed.v1")
    assert {m["certno"] for m in moved} == {x, y, z} and {m["employer_uscc"] for m in moved} == {survivor}
    assert {e["reason"] for e in await api.events("registration.unit.cancelled.v1")} == {"merged"}
    info = (await api.get(f"/insurance-info/units/{survivor}")).json()
    assert info["insured"]["in_service"] == 3 and info["restructurings"][0]["role"] == "successor"


async def test_a_split_must_place_every_person_and_a_division_keeps_the_original_unit(api: Api):
    origin = await api.unit(name="原公司")
    left, right = await api.unit(name="左公司"), await api.unit(name="右公司")
    [p, q] = await api.employees(origin, "甲", "乙")
    partial = {
        "kind": "split",
        "predecessors": [origin],
        "successors": [left, right],
        "transfers": [{"certno": p, "to_uscc": left}],
    }
    refused = await api.post("/unit-restructurings", {"form": partial, "materials": UNIT_MATERIALS})
    assert (
        refused.status_code == 422
        and refused.json()["code"] == "restructure_invalid"
        and "乙" in refused.json()["detail"]
    )
    division = {
        "kind": "division",
        "predecessors": [origin],
        "successors": [right],
        "transfers": [{"certno": q, "to_uscc": right}],
    }
    case = await api.done("/unit-restructurings", {"form": division, "materials": UNIT_MATERIALS})
    assert case["result"]["moved_persons"] == 1
    assert dict(await api.rows("SELECT uscc, status FROM employer WHERE uscc = :u", u=origin)) == {origin: "active"}
    stranger = {
        "kind": "division",
        "predecessors": [origin],
        "successors": [left],
        "transfers": [{"certno": q, "to_uscc": left}],
    }
    not_there = await api.post("/unit-restructurings", {"form": stranger, "materials": UNIT_MATERIALS})
    assert not_there.status_code == 422 and "不是原单位的参保人员" in not_there.json()["detail"]


async def test_a_unit_applies_for_itself_only(api: Api):
    uscc, other = await api.unit(), await api.unit()
    own = await api.post("/unit-suspensions", {"form": {"uscc": uscc}, "materials": UNIT_MATERIALS}, employer(uscc))
    assert own.status_code == 201 and own.json()["case"]["status"] == "submitted"  # waits for 受理 at the agency
    foreign = await api.post(
        "/unit-suspensions", {"form": {"uscc": other}, "materials": UNIT_MATERIALS}, employer(uscc)
    )
    assert foreign.status_code == 403 and foreign.json()["code"] == "not_applicant"
    bad = await api.post("/unit-suspensions", {"form": {"uscc": "91431000MA4L0XXK0A"}})
    assert bad.status_code == 422 and "统一社会信用代码不正确" in bad.text


async def test_xuzhou_files_a_cancellation_as_a_change_registration_with_its_own_materials(xuzhou: Api):
    body = {
        "form": unit_form_x(),
        "materials": ["business_licence", "legal_rep_and_agent_id", "unit_bank_account"],
        "situations": ["first_enrolment"],
    }
    registered = await xuzhou.done("/unit-registrations", body)
    uscc = registered["result"]["uscc"]
    applied = await xuzhou.post("/unit-cancellations", {"form": {"uscc": uscc}, "materials": []})
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    assert case["item_key"] == "unit_change_registration" and case["status"] == "incomplete"
    assert "法律文书或市场监督管理局注销通知书或其他有关注销文件" in case["missing"]


def unit_form_x() -> dict:
    from .conftest import unit_form

    return unit_form(new_uscc(), "徐州市示例有限公司")
