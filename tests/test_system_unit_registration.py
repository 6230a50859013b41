"""单位参保登记 end to end: through the gateway, over RabbitMQ into maternity's read model."""

import random
import string
import time

import httpx
import pytest
from stdnum.cn import uscc as uscc_code

pytestmark = pytest.mark.system


def new_uscc() -> str:
    """A valid 统一社会信用代码 that no other test uses."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "431000" + "".join(random.choice(string.digits + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    assert all(c in alphabet for c in body)
    return body + uscc_code.calc_check_digit(body)


def unit_form(uscc: str) -> dict[str, object]:
    return {
        "uscc": uscc,
        "name": "郴州市示例科技有限公司",
        "address": "湖南省郴州市北湖区人民西路1号",
        "unit_nature": "企业",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "bank_name": "中国工商银行郴州分行",
        "bank_account_name": "郴州市示例科技有限公司",
        "bank_account_no": "1907012345678901234",
        "handler_name": "李四",
        "handler_department": "人事部",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }


def wait_for(fetch, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        response = fetch()
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_a_unit_registered_through_the_gateway_reaches_maternity_over_the_broker(gateway: httpx.Client):
    uscc = new_uscc()
    created = gateway.post("/api/v1/registration/units", json=unit_form(uscc))
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["uscc"] == uscc and unit["status"] == "active"
    assert unit["unit_code"].startswith("431000") and len(unit["unit_code"]) == 14

    read = gateway.get(f"/api/v1/registration/units/{unit['id']}")
    assert read.status_code == 200 and read.json()["name"] == "郴州市示例科技有限公司"

    employer = wait_for(lambda: gateway.get(f"/api/v1/maternity/employers/{uscc}"))
    assert employer.status_code == 200, employer.text
    assert employer.json()["unit_code"] == unit["unit_code"]
    assert employer.json()["name"] == "郴州市示例科技有限公司"


def test_registering_the_same_uscc_twice_is_refused_and_nothing_is_added(gateway: httpx.Client):
    uscc = new_uscc()
    assert gateway.post("/api/v1/registration/units", json=unit_form(uscc)).status_code == 201
    again = gateway.post("/api/v1/registration/units", json=unit_form(uscc) | {"name": "另一家公司"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "unit_already_registered"
    assert uscc in again.json()["detail"]
    listed = gateway.get("/api/v1/registration/units", params={"uscc": uscc}).json()
    assert [u["name"] for u in listed] == ["郴州市示例科技有限公司"]


def test_an_invalid_uscc_or_id_number_is_a_422_problem_in_chinese(gateway: httpx.Client):
    bad = unit_form("91431000MA4L0XXXX1") | {"legal_rep_certno": "110105194912310021"}
    response = gateway.post("/api/v1/registration/units", json=bad)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and body["title"] == "请求参数不合法"
    messages = {e["loc"][-1]: e["message"] for e in body["errors"]}
    assert "统一社会信用代码不正确" in messages["uscc"]
    assert "身份证号码不正确" in messages["legal_rep_certno"]


def test_bad_input_never_gives_a_500(gateway: httpx.Client):
    cases = [
        gateway.post("/api/v1/registration/units", content=b'{"uscc": ', headers={"content-type": "application/json"}),
        gateway.post("/api/v1/registration/units", json={"uscc": 123, "name": ["x"]}),
        gateway.post("/api/v1/registration/units", json=[]),
        gateway.get("/api/v1/registration/units/not-a-uuid"),
        gateway.get("/api/v1/registration/units", params={"limit": "many"}),
        gateway.post(
            "/api/v1/registration/units",
            content=b"x" * 11_000_000,
            headers={"content-type": "application/json"},
        ),
        gateway.get("/api/v1/registration/nowhere"),
        gateway.get("/api/v1/nosuchservice/things"),
    ]
    statuses = [r.status_code for r in cases]
    assert statuses == [400, 422, 422, 422, 422, 413, 404, 404]
    for response in cases:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] and response.json()["title"]


def test_no_route_is_open_without_a_principal(stack, staff_token):
    anonymous = httpx.get(stack.cfg.url("gateway") + "/api/v1/registration/units")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missing_token"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    forged = httpx.get(
        stack.cfg.url("gateway") + "/api/v1/registration/units",
        headers={"authorization": "Bearer " + staff_token("demo-intake")[:-4] + "AAAA"},
    )
    assert forged.status_code == 401 and forged.json()["code"] == "invalid_token"
    unknown_staff = httpx.get(
        stack.cfg.url("gateway") + "/api/v1/registration/units",
        headers={"authorization": "Bearer " + staff_token("nobody")},
    )
    assert unknown_staff.status_code == 401 and unknown_staff.json()["code"] == "staff_account_inactive"
    # straight to a service, around the gateway: no principal token, or a plain header, is refused
    direct = stack.cfg.url("registration") + "/api/v1/registration/units"
    assert httpx.get(direct).status_code == 401
    assert httpx.get(direct, headers={"x-medins-principal": "staff:demo-admin"}).status_code == 401
    for open_path in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert httpx.get(stack.cfg.url("gateway") + open_path).status_code == 200, open_path


def test_readiness_names_every_service_and_docs_combine_them(stack):
    ready = httpx.get(stack.cfg.url("gateway") + "/readyz").json()
    assert ready["status"] == "ready"
    assert set(ready["services"]) == {
        "registration",
        "transfer",
        "claims",
        "maternity",
        "institutions",
        "settlement",
    }
    assert all(s["status"] == "ready" for s in ready["services"].values())
    docs = httpx.get(stack.cfg.url("gateway") + "/openapi.json").json()
    assert "/api/v1/registration/units" in docs["paths"]
    assert "/api/v1/maternity/employers/{uscc}" in docs["paths"]
    for prefix in ("transfer", "claims", "institutions", "settlement"):
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in docs["paths"]), prefix
    assert "registration__RegisterUnit" in docs["components"]["schemas"]


def test_a_service_that_is_down_gives_a_502_problem_naming_it(stack, gateway: httpx.Client):
    stack.stop_process("settlement")
    try:
        response = gateway.get("/api/v1/settlement/declarations")
        assert response.status_code == 502
        assert response.json()["code"] == "upstream_unavailable"
        assert response.json()["service"] == "settlement"
        assert "费用结算服务" in response.json()["detail"]
        ready = httpx.get(stack.cfg.url("gateway") + "/readyz")
        assert ready.status_code == 503
        assert ready.json()["services"]["settlement"]["status"] == "unreachable"
    finally:
        stack.start_process("settlement")
        stack.wait_ready(60)
