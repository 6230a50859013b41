"""缴费明细 through the gateway: employees enrolled by a case, the tax bureau's file uploaded by 财务 with
bad rows among the good ones, the row report read back, the insured periods of an employee, and maternity's
coverage read model answering from registration's events."""

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

pytestmark = pytest.mark.system

BATCHES = "/api/v1/registration/contribution-batches"
COVERAGE = "/api/v1/maternity/coverage"


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno() -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=random.randrange(15000))
    body = f"431002{birth:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(scope="module")
def finance(stack, staff_token: Callable[[str], str]) -> Iterator[httpx.Client]:
    """demo-admin holds every role, 财务 among them."""
    token = staff_token("demo-admin")
    with httpx.Client(
        base_url=stack.cfg.url("gateway"), headers={"authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        yield client


def enrol_employees(gateway: httpx.Client, uscc: str, certnos: list[str]) -> None:
    """单位参保登记 and 职工参保登记, each a case taken to completion (as the unit and employee tests do)."""
    unit = {
        "uscc": uscc,
        "name": "郴州市缴费示例有限公司",
        "address": "郴州市北湖区人民西路1号",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "handler_name": "李四",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }
    case = gateway.post(
        "/api/v1/registration/unit-registrations",
        json={"form": unit, "materials": ["uscc_certificate", "unit_registration_form"]},
    ).json()["case"]
    gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={}).raise_for_status()
    employees = [
        {"name": f"职工{i}", "certno": c, "declared_monthly_wage": "6500.00", "start_month": "2024-01"}
        for i, c in enumerate(certnos)
    ]
    applied = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={
            "form": {"unit_uscc": uscc, "employees": employees},
            "materials": ["employee_registration_form", "id_document"],
        },
    )
    assert applied.status_code == 201, applied.text
    case_no = applied.json()["case"]["case_no"]
    if applied.json()["case"]["status"] != "accepted":
        gateway.post(f"/api/v1/registration/cases/{case_no}/actions/accept", json={}).raise_for_status()
    done = gateway.post(f"/api/v1/registration/cases/{case_no}/actions/complete", json={})
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text


def test_the_tax_bureaus_file_is_imported_row_by_row_and_the_insured_periods_follow(
    gateway: httpx.Client, finance: httpx.Client
):
    uscc = new_uscc()
    alice, bob = new_certno(), new_certno()
    enrol_employees(gateway, uscc, [alice, bob])
    stranger = new_certno()
    broken = alice[:-1] + ("0" if alice[-1] != "0" else "1")
    lines = [
        "序号,姓名,身份证号,险种类型,费款所属期,缴费基数,单位缴费金额,个人缴费金额,统一社会信用代码,缴费日期",
        *(f"{m},职工0,{alice},310,2024-{m:02d},6500.00,520.00,130.00,{uscc},2024-{m:02d}-15" for m in (1, 2, 3)),
        f"4,职工0,{alice},510,2024-03,6500.00,45.50,0,{uscc},2024-03-15",
        f"5,职工1,{bob},310,2024-01,6500.00,520.00,130.00,{uscc},",
        f"6,职工1,{bob},310,2024-03,6500.00,520.00,130.00,{uscc},",
        f"7,职工1,{broken},310,2024-03,6500.00,520.00,130.00,{uscc},",  # 身份证号 check digit
        f"8,职工1,{bob},310,2024-13,6500.00,520.00,130.00,{uscc},",  # no such month
        f"9,职工1,{bob},320,2024-02,6500.00,520.00,130.00,{uscc},",  # no such insutype
        f"10,职工1,{bob},310,2024-02,6500.00,-520.00,130.00,{uscc},",  # negative
        f"11,职工0,{alice},310,2024-02,6500.00,520.00,130.00,{uscc},",  # repeats line 3
        f"12,路人,{stranger},310,2024-03,6500.00,520.00,130.00,{uscc},",  # not registered
    ]  # fmt: skip
    body = ("\r\n".join(lines) + "\r\n").encode("gb18030")  # as the tax bureau's Windows export writes it

    by_intake = gateway.post(
        BATCHES, params={"period": "2024-03"}, content=body, headers={"content-type": "text/csv; charset=gbk"}
    )
    assert by_intake.status_code == 403 and by_intake.json()["code"] == "role_required"

    created = finance.post(
        BATCHES,
        params={"period": "2024-03", "file_name": "税务缴费明细202403.csv"},
        content=body,
        headers={"content-type": "text/csv; charset=gbk"},
    )
    assert created.status_code == 201, created.text
    batch = created.json()
    assert (batch["rows_total"], batch["rows_recorded"], batch["rows_rejected"]) == (12, 6, 6)
    assert batch["status"] == "completed_with_errors" and batch["created_by"] == "staff:demo-admin"
    report = {r["line"]: r for r in batch["rejections"]}
    assert {line: r["code"] for line, r in report.items()} == {
        8: "certno_invalid",
        9: "month_invalid",
        10: "insutype_invalid",
        11: "amount_invalid",
        12: "duplicate_in_file",
        13: "person_not_registered",
    }
    assert "校验码" in report[8]["reason"] and report[12]["reason"].startswith("与第 3 行重复")
    assert report[11]["reason"] == "单位缴费金额不能为负数"

    page = finance.get(f"{BATCHES}/{batch['id']}", params={"after_line": 10, "limit": 2})
    assert [r["line"] for r in page.json()["rejections"]] == [11, 12] and page.json()["next_after_line"] == 12

    again = finance.post(
        BATCHES, params={"period": "2024-03"}, content=body, headers={"content-type": "text/csv; charset=gbk"}
    )
    assert again.status_code == 409 and again.json()["code"] == "contribution_batch_duplicate"
    assert again.headers["content-type"] == "application/problem+json"

    periods = gateway.get(f"/api/v1/registration/persons/{bob}/insured-periods", params={"as_of": "2024-03-20"})
    assert periods.status_code == 200, periods.text
    (employee,) = periods.json()["insurances"]
    assert [{k: p[k] for k in ("start", "end", "months", "source", "admdvs")} for p in employee["periods"]] == [
        {"start": "2024-01", "end": "2024-01", "months": 1, "source": "local", "admdvs": "431000"},
        {"start": "2024-03", "end": "2024-03", "months": 1, "source": "local", "admdvs": "431000"},
    ]
    assert (employee["actual_months"], employee["continuous_months"], employee["insured_in_month"]) == (2, 1, True)
    alices = gateway.get(f"/api/v1/registration/persons/{alice}/insured-periods", params={"as_of": "2024-03-20"})
    by_type = {i["insutype"]: i for i in alices.json()["insurances"]}
    assert by_type["310"]["continuous_months"] == 3 and by_type["510"]["actual_months"] == 1

    # maternity's read model, fed by the enrolment events and the recorded parts through the broker
    coverage = wait_for_coverage(gateway, alice, insutype="510", on="2024-03-20")
    assert coverage["enrolment_status"] == "enrolled" and coverage["enrolment_status_since"] == "2024-01-01"
    assert (coverage["consecutive_months"], coverage["cumulative_months"]) == (1, 1)  # 510 paid for March only
    employee_cover = wait_for_coverage(gateway, bob, insutype="310", on="2024-03-20")
    assert (employee_cover["consecutive_months"], employee_cover["cumulative_months"]) == (1, 2)
    # the same months as registration's own answer
    assert employee_cover["periods"] == [{k: p[k] for k in ("start", "end", "months")} for p in employee["periods"]]
    february = gateway.get(f"{COVERAGE}/{bob}", params={"insutype": "310", "on": "2024-02-20"}).json()
    assert (february["insured"], february["month_contributed"]) == (False, False)
    unknown = gateway.get(f"{COVERAGE}/{stranger}", params={"insutype": "510", "on": "2024-03-20"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "person_not_found"
    invalid = gateway.get(f"{COVERAGE}/{broken}", params={"insutype": "510", "on": "2024-03-20"})
    assert invalid.status_code == 422 and invalid.headers["content-type"] == "application/problem+json"


def wait_for_coverage(gateway: httpx.Client, certno: str, *, insutype: str, on: str) -> dict:
    """Ask maternity until its read model answers insured (the events travel through the outbox and the broker)."""
    deadline = time.monotonic() + 60
    while True:
        answer = gateway.get(f"{COVERAGE}/{certno}", params={"insutype": insutype, "on": on})
        if answer.status_code == 200 and answer.json()["insured"]:
            return dict(answer.json())
        assert time.monotonic() < deadline, f"maternity never answered insured: {answer.status_code} {answer.text}"
        time.sleep(0.5)


def test_a_monthly_file_larger_than_the_gateway_buffers_streams_through_it(finance: httpx.Client):
    """A large city's monthly file is some 100 MB; the gateway holds at most 10 MB of any other request. The
    contribution file goes through it as it arrives: here 11.6 MB of rows of persons not registered here, every
    one refused and reported, none lost on the way."""
    rows = 220_000
    certnos = [new_certno() for _ in range(2_000)]
    header = b"certno,insutype,month,contribution_base,employer_amount,person_amount\n"

    def body() -> Iterator[bytes]:
        yield header
        for start in range(0, rows, 10_000):
            yield "".join(
                f"{certnos[n % 2_000]},310,{1990 + n // 2_000 % 30}-{n % 12 + 1:02d},6500.00,520.00,130.00\n"
                for n in range(start, start + 10_000)
            ).encode()

    assert sum(len(piece) for piece in body()) > 10_485_760  # more than the gateway buffers
    created = finance.post(
        BATCHES,
        params={"period": "2024-03", "file_name": "large.csv"},
        content=body(),
        headers={"content-type": "text/csv"},
        timeout=300,
    )
    assert created.status_code == 201, created.text
    batch = created.json()
    assert (batch["rows_total"], batch["rows_recorded"], batch["rows_rejected"]) == (rows, 0, rows)
    assert batch["rejections"][0]["line"] == 2 and batch["rejections"][0]["code"] == "person_not_registered"
