"""法定断档补缴 and 欠款补缴 on a real PostgreSQL: a month is back-paid once, a gap lies outside the enrolled
months and an arrear inside them, and what each does for benefits."""

import pytest
from sqlalchemy import text

from medins.cases.service import china_today

from .conftest import Api, new_certno

pytestmark = pytest.mark.integration

GAP_MATERIALS = ["gap_backpay_form", "gap_backpay_report", "labour_relation_proof", "wage_payment_proof"]


def gap(uscc: str, *rows: dict, scenario: str = "gap_during_employment") -> dict:
    return {"form": {"unit_uscc": uscc, "scenario": scenario, "rows": list(rows)}, "materials": GAP_MATERIALS}


async def test_gap_months_are_recorded_once_count_retroactively_and_must_lie_outside_the_enrolment(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "王五", start_month="2025-07")
    row = {
        "name": "王五",
        "certno": certno,
        "monthly_wage": "5000.00",
        "start_month": "2025-01",
        "end_month": "2025-03",
    }
    applied = await api.post("/gap-backpays", gap(uscc, row) | {"materials": ["gap_backpay_form"]})
    case = applied.json()["case"]
    assert (
        case["status"] == "incomplete" and len(case["missing"]) == 3
    )  # 劳动关系存续期 needs report, contract, payroll
    done = await api.done("/gap-backpays", gap(uscc, row))
    [result] = done["result"]["backpaid"]
    assert (
        result["months"] == 3 and result["period"] == "2025-01至2025-03" and result["status_at_application"] == "有效"
    )
    assert await api.scalar("SELECT count(*) FROM backpaid_month WHERE kind = 'gap'") == 3
    [event] = await api.events("registration.person.gap_backpaid.v1")
    assert event["months"] == ["2025-01", "2025-02", "2025-03"] and event["monthly_wage"] == "5000.00"
    overlap = await api.post("/gap-backpays", gap(uscc, row | {"start_month": "2025-03", "end_month": "2025-04"}))
    assert overlap.status_code == 409 and overlap.json()["code"] == "months_already_backpaid"
    assert "2025-03" in overlap.json()["detail"]
    enrolled = await api.post("/gap-backpays", gap(uscc, row | {"start_month": "2025-06", "end_month": "2025-08"}))
    assert enrolled.status_code == 422 and enrolled.json()["code"] == "not_a_gap"
    assert "2025-07至2025-08" in enrolled.json()["detail"]
    future = await api.post("/gap-backpays", gap(uscc, row | {"start_month": "2025-04", "end_month": "2099-01"}))
    assert future.status_code == 422 and future.json()["code"] == "backpay_period_invalid"
    record = (await api.post("/insurance-info/persons", {"certno": certno})).json()
    assert record["backpaid_months"]["gap"] == {"months": 3, "period": "2025-01至2025-03"}


async def test_a_person_never_insured_can_back_pay_a_ruled_gap(api: Api):
    uscc = await api.unit()
    certno = new_certno()
    row = {
        "name": "仲裁者",
        "certno": certno,
        "monthly_wage": "4000.00",
        "start_month": "2024-01",
        "end_month": "2024-12",
    }
    body = gap(uscc, row, scenario="gap_by_ruling") | {"materials": ["gap_backpay_form", "arbitral_award"]}
    done = await api.done("/gap-backpays", body)
    assert done["result"]["backpaid"][0]["status_at_application"] == "未参保"
    assert await api.scalar("SELECT count(*) FROM enrolment") == 0  # the back-payment enrols no one
    assert await api.scalar("SELECT count(*) FROM backpaid_month") == 12


async def test_arrears_must_lie_inside_the_enrolment_and_benefits_run_again_from_the_next_month(api: Api):
    uscc = await api.unit()
    [certno] = await api.employees(uscc, "欠费者", start_month="2025-01")
    body = {
        "form": {
            "kind": "employee",
            "unit_uscc": uscc,
            "person": {"name": "欠费者", "certno": certno},
            "start_month": "2025-02",
            "end_month": "2025-04",
            "amount": "1260.00",
        },
        "materials": ["employment_termination_document"],
    }
    done = await api.done("/arrears-backpays", body)
    today = china_today()
    expected = today.replace(year=today.year + (today.month == 12), month=today.month % 12 + 1, day=1)
    assert done["result"]["benefits_from"] == str(expected) and done["result"]["months"] == 3
    [event] = await api.events("registration.arrears.backpaid.v1")
    assert event["amount"] == "1260.00" and event["benefits_from"] == str(expected)
    assert (event["certno"], event["months"]) == (certno, ["2025-02", "2025-03", "2025-04"])  # maternity reads them
    before = await api.post(
        "/arrears-backpays", body | {"form": body["form"] | {"start_month": "2024-11", "end_month": "2024-12"}}
    )
    assert before.status_code == 422 and before.json()["code"] == "not_arrears"
    # a month the tax bureau's file shows paid is not in arrears (paid twice, and its benefits taken away after)
    person_id = await api.scalar("SELECT id FROM insured_person WHERE certno = :c", c=certno)
    async with api.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO contribution_record (person_id, insutype, month, employer_amount, person_amount, "
                "batch_id, line) VALUES (:p, '310', DATE '2025-06-01', 520, 130, gen_random_uuid(), 2)"
            ),
            {"p": person_id},
        )
    paid = await api.post(
        "/arrears-backpays", body | {"form": body["form"] | {"start_month": "2025-05", "end_month": "2025-06"}}
    )
    assert paid.status_code == 422 and paid.json()["code"] == "not_arrears", paid.text
    assert "2025-06已有缴费记录" in paid.json()["detail"]
    unit = await api.done(
        "/arrears-backpays",
        {
            "form": {
                "kind": "unit",
                "unit_uscc": uscc,
                "start_month": str(today)[:7],
                "end_month": str(today)[:7],
                "amount": "9000.00",
            },
            "materials": ["agent_id"],
        },
    )
    assert unit["result"]["kind"] == "unit"
    unit_event = (await api.events("registration.arrears.backpaid.v1"))[1]
    assert unit_event["certno"] is None  # a unit's names its employees instead, with their months
    assert [(e["certno"], e["months"]) for e in unit_event["employees"]] == [(certno, [str(today)[:7]])]
    info = (await api.get(f"/insurance-info/units/{uscc}")).json()
    assert [a["amount"] for a in info["contribution"]["arrears_backpaid"]] == ["1260.00", "9000.00"]


async def test_a_units_arrears_pay_for_the_employees_it_had_in_each_month_and_not_twice(api: Api):
    """单位欠费补缴: the months count for each employee who was enrolled, in service and at the unit on the month's
    first day, except months the tax bureau's file shows paid; a second case for the same months is refused."""
    uscc, other = await api.unit(), await api.unit(name="郴州市另一家有限公司")
    [early] = await api.employees(uscc, "早入职", start_month="2025-01")
    [late] = await api.employees(uscc, "晚入职", start_month="2025-03")
    [elsewhere] = await api.employees(other, "别家职工", start_month="2025-01")
    early_id = await api.scalar("SELECT id FROM insured_person WHERE certno = :c", c=early)
    async with api.engine.begin() as conn:  # February was paid for the early one (the tax bureau's file)
        await conn.execute(  # the unit registered in 2024 (its registration here is today's)
            text("UPDATE employer SET registered_at = TIMESTAMPTZ '2024-12-01 09:00+08' WHERE uscc = :u"), {"u": uscc}
        )
        await conn.execute(
            text(
                "INSERT INTO contribution_record (person_id, insutype, month, employer_amount, person_amount, "
                "batch_id, line) VALUES (:p, '310', DATE '2025-02-01', 520, 130, gen_random_uuid(), 2)"
            ),
            {"p": early_id},
        )
    form = {"kind": "unit", "unit_uscc": uscc, "start_month": "2025-01", "end_month": "2025-04", "amount": "3000.00"}
    done = await api.done("/arrears-backpays", {"form": form, "materials": ["agent_id"]})

    employees = {e["name"]: (e["period"], e["months"]) for e in done["result"]["employees"]}
    assert employees == {"早入职": ("2025-01、2025-03至2025-04", 3), "晚入职": ("2025-03至2025-04", 2)}
    [event] = await api.events("registration.arrears.backpaid.v1")
    assert (
        event["kind"] == "unit"
        and event["employer_uscc"] == uscc
        and event["months"]
        == [
            "2025-01",
            "2025-02",
            "2025-03",
            "2025-04",
        ]
    )
    assert {e["certno"]: e["months"] for e in event["employees"]} == {
        early: ["2025-01", "2025-03", "2025-04"],
        late: ["2025-03", "2025-04"],
    }
    assert elsewhere not in {e["certno"] for e in event["employees"]}
    backpaid = await api.rows(
        "SELECT p.certno, m.month, m.kind FROM backpaid_month m JOIN insured_person p ON p.id = m.person_id "
        "ORDER BY p.certno, m.month"
    )
    assert sorted((r.certno, r.month) for r in backpaid) == sorted(
        [(early, "2025-01"), (early, "2025-03"), (early, "2025-04"), (late, "2025-03"), (late, "2025-04")]
    ) and {r.kind for r in backpaid} == {"arrears"}

    again = await api.post("/arrears-backpays", {"form": form, "materials": ["agent_id"]})
    assert again.status_code == 422 and again.json()["code"] == "not_arrears", again.text
    assert "均已有缴费记录或已补缴" in again.json()["detail"]
