"""Through the gateway: an employee leaves, their account is credited and then withdrawn, paid once, never overdrawn."""

import datetime as dt
import random
import uuid

import httpx
import pytest
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

pytestmark = pytest.mark.system


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno() -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=random.randrange(15000))
    body = f"431002{birth:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def completed(client: httpx.Client, case: dict) -> dict:
    """Take a case that needs no review to 办结."""
    if case["status"] == "accepted":
        case = ok(client.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={}))
    assert case["status"] == "completed", case
    return case


def enrolled_employee(admin: httpx.Client, name: str) -> tuple[str, str]:
    uscc = new_uscc()
    unit = {
        "uscc": uscc,
        "name": "郴州市示例账户有限公司",
        "address": "郴州市北湖区人民西路1号",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "handler_name": "李四",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }
    materials = ["uscc_certificate", "unit_registration_form"]
    case = ok(admin.post("/api/v1/registration/unit-registrations", json={"form": unit, "materials": materials}), 201)
    completed(admin, case["case"])
    certno = new_certno()
    employee = {"name": name, "certno": certno, "declared_monthly_wage": "6500.00", "start_month": "2026-01"}
    form = {"unit_uscc": uscc, "employees": [employee]}
    body = {"form": form, "materials": ["employee_registration_form", "id_document"]}
    completed(admin, ok(admin.post("/api/v1/registration/employee-registrations", json=body), 201)["case"])
    return uscc, certno


def test_an_employee_who_settles_abroad_withdraws_the_balance_once_paid_by_finance(
    gateway: httpx.Client, admin, stack, person_token
):
    uscc, certno = enrolled_employee(admin, "王出国")
    # 划入: two months' allocations, posted by 财务 with an Idempotency-Key; a replay moves nothing
    credits = {
        "lines": [
            {"certno": certno, "amount": "198.40", "reference": "ALLOC-2026-10"},
            {"certno": certno, "amount": "198.40", "reference": "ALLOC-2026-11"},
        ]
    }
    key = {"idempotency-key": str(uuid.uuid4())}
    first = admin.post("/api/v1/registration/accounts/credits", json=credits, headers=key)
    replay = admin.post("/api/v1/registration/accounts/credits", json=credits, headers=key)
    assert ok(first, 201) == ok(replay, 201) and replay.headers["idempotency-replayed"] == "true"
    assert first.json()["total_posted"] == "396.80"
    by_intake = gateway.post(
        "/api/v1/registration/accounts/credits", json=credits, headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert by_intake.status_code == 403  # 划入 is 财务's

    withdrawal = {
        "form": {
            "certno": certno,
            "name": "王出国",
            "reason": "settled_abroad",
            "bank": {
                "bank_name": "中国工商银行郴州分行",
                "account_name": "王出国",
                "account_no": "6222020000001234567",
            },
        },
        "materials": ["id_document", "withdrawal_form"],
    }
    still_insured = gateway.post(
        "/api/v1/registration/accounts/withdrawals", json=withdrawal, headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert still_insured.status_code == 422 and still_insured.json()["code"] == "insurance_not_stopped"
    assert still_insured.headers["content-type"].startswith("application/problem+json")

    # 减少登记: the unit terminates the employee (出国定居)
    reduction = {
        "form": {
            "unit_uscc": uscc,
            "rows": [
                {
                    "name": "王出国",
                    "certno": certno,
                    "change_type": "terminate",
                    "stop_month": "2026-11",
                    "reason": "emigration",
                }
            ],
        },
        "materials": ["employee_registration_form", "id_document", "passport"],  # 出国定居: 护照
    }
    completed(admin, ok(admin.post("/api/v1/registration/employee-reductions", json=reduction), 201)["case"])

    too_much = withdrawal | {"form": withdrawal["form"] | {"amount": "396.81"}}
    refused = gateway.post(
        "/api/v1/registration/accounts/withdrawals", json=too_much, headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "insufficient_balance"
    assert "余额" in refused.json()["title"]
    not_listed = withdrawal | {"form": withdrawal["form"] | {"reason": "offsite_resettlement"}}
    refused = gateway.post(
        "/api/v1/registration/accounts/withdrawals", json=not_listed, headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "withdrawal_reason_not_allowed"

    applied = ok(
        gateway.post(
            "/api/v1/registration/accounts/withdrawals", json=withdrawal, headers={"idempotency-key": str(uuid.uuid4())}
        ),
        201,
    )["case"]
    assert applied["status"] == "accepted" and applied["case_no"].startswith("REG-431000-")
    assert [d["form"] for d in applied["documents"]] == ["B.6"]
    case_url = f"/api/v1/registration/cases/{applied['case_no']}"
    ok(gateway.post(f"{case_url}/actions/start-review", json={}))
    assert ok(gateway.post(f"{case_url}/actions/approve", json={}))["status"] == "in_payment"
    not_finance = gateway.post(f"{case_url}/actions/pay", json={})
    assert not_finance.status_code == 403 and not_finance.json()["code"] == "role_required"
    assert ok(gateway.get(f"/api/v1/registration/accounts/{certno}"))["account"]["balance"] == "396.80"

    paid = ok(admin.post(f"{case_url}/actions/pay", json={}))
    assert paid["status"] == "completed" and paid["progress"] == "已办结"
    assert paid["result"]["amount"] == "396.80" and paid["result"]["payment"]["status"] == "instructed"
    ledger = ok(gateway.get(f"/api/v1/registration/accounts/{certno}"))
    assert ledger["account"]["balance"] == "0.00"
    assert [(e["direction"], e["amount"], e["reference"]) for e in ledger["entries"]] == [
        ("debit", "396.80", applied["case_no"]),
        ("credit", "198.40", "ALLOC-2026-11"),
        ("credit", "198.40", "ALLOC-2026-10"),
    ]
    assert ok(gateway.get(case_url))["status"] == "completed"
    # the person, logged in with their 医保电子凭证, sees their own account and case, nobody else's
    own = {"authorization": f"Bearer {person_token(certno, '王出国')}"}
    with httpx.Client(base_url=stack.cfg.url("gateway"), headers=own, timeout=30) as person:
        mine = ok(person.get("/api/v1/registration/accounts/me"))
        assert mine["account"]["balance"] == "0.00" and mine["entries"][0]["reason_label"] == "一次性支取"
        assert ok(person.get(case_url))["result"]["amount"] == "396.80"
        assert person.get(f"/api/v1/registration/accounts/{new_certno()}").status_code == 403
    empty = gateway.post(
        "/api/v1/registration/accounts/withdrawals", json=withdrawal, headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert empty.status_code == 422 and empty.json()["code"] == "nothing_to_withdraw"
