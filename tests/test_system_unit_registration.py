"""单位参保登记 end to end: through the gateway, over RabbitMQ into maternity's read model."""

import io
import random
import string
import time

import httpx
import pytest
from pypdf import PdfReader
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


COMPLETE_MATERIALS = ["uscc_certificate", "unit_registration_form"]


def apply(gateway: httpx.Client, uscc: str, materials=COMPLETE_MATERIALS, **changes) -> httpx.Response:
    return gateway.post(
        "/api/v1/registration/unit-registrations",
        json={"form": unit_form(uscc) | changes, "materials": materials},
    )


def register(gateway: httpx.Client, uscc: str) -> dict:
    """单位参保登记 in 郴州 (431000): accepted with a 5-working-day limit, then completed by a reviewer."""
    applied = apply(gateway, uscc)
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    assert case["status"] == "accepted" and case["progress"] == "已受理"
    completed = gateway.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={})
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed" and completed.json()["progress"] == "已办结"
    return completed.json()


def wait_for(fetch, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        response = fetch()
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_a_unit_registered_through_the_gateway_reaches_maternity_over_the_broker(gateway: httpx.Client):
    uscc = new_uscc()
    case = register(gateway, uscc)
    assert case["case_no"].startswith("REG-431000-")
    assert [d["form"] for d in case["documents"]] == ["B.1"]

    read = gateway.get(f"/api/v1/registration/units/{case['result']['unit_id']}")
    assert read.status_code == 200 and read.json()["name"] == "郴州市示例科技有限公司"
    unit = read.json()
    assert unit["uscc"] == uscc and unit["status"] == "active"
    assert unit["unit_code"].startswith("431000") and len(unit["unit_code"]) == 14

    employer = wait_for(lambda: gateway.get(f"/api/v1/maternity/employers/{uscc}"))
    assert employer.status_code == 200, employer.text
    assert employer.json()["unit_code"] == unit["unit_code"]
    assert employer.json()["name"] == "郴州市示例科技有限公司"


def test_registering_the_same_uscc_twice_is_refused_and_nothing_is_added(gateway: httpx.Client):
    uscc = new_uscc()
    register(gateway, uscc)
    again = apply(gateway, uscc, name="另一家公司")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "unit_already_registered"
    assert uscc in again.json()["detail"]
    listed = gateway.get("/api/v1/registration/units", params={"uscc": uscc}).json()
    assert [u["name"] for u in listed] == ["郴州市示例科技有限公司"]


def test_an_invalid_uscc_or_id_number_is_a_422_problem_in_chinese(gateway: httpx.Client):
    response = apply(gateway, "91431000MA4L0XXXX1", legal_rep_certno="110105194912310021")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error" and body["title"] == "请求参数不合法"
    messages = {e["loc"][-1]: e["message"] for e in body["errors"]}
    assert "统一社会信用代码不正确" in messages["uscc"]
    assert "身份证号码不正确" in messages["legal_rep_certno"]


def test_bad_input_never_gives_a_500(gateway: httpx.Client):
    cases = [
        gateway.post(
            "/api/v1/registration/unit-registrations",
            content=b'{"form": ',
            headers={"content-type": "application/json"},
        ),
        gateway.post("/api/v1/registration/unit-registrations", json={"form": {"uscc": 123, "name": ["x"]}}),
        gateway.post("/api/v1/registration/unit-registrations", json=[]),
        gateway.post("/api/v1/registration/unit-registrations", json={"form": {}, "materials": "all"}),
        gateway.post("/api/v1/registration/cases/REG-431000-20261123-999999/actions/accept", json={}),
        gateway.post("/api/v1/registration/cases/x/actions/fly", json={}),
        gateway.post("/api/v1/registration/cases/x/evaluation", json={"grade": "还行"}),
        gateway.get("/api/v1/registration/units/not-a-uuid"),
        gateway.get("/api/v1/registration/units", params={"limit": "many"}),
        gateway.post(
            "/api/v1/registration/unit-registrations",
            content=b"x" * 11_000_000,
            headers={"content-type": "application/json"},
        ),
        gateway.get("/api/v1/registration/nowhere"),
        gateway.get("/api/v1/nosuchservice/things"),
    ]
    statuses = [r.status_code for r in cases]
    assert statuses == [400, 422, 422, 422, 404, 404, 422, 422, 422, 413, 404, 404]
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
    assert "/api/v1/registration/unit-registrations" in docs["paths"]
    assert "/api/v1/registration/cases/{case_no}" in docs["paths"]
    assert "/api/v1/maternity/employers/{uscc}" in docs["paths"]
    for prefix in ("transfer", "claims", "institutions", "settlement"):
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in docs["paths"]), prefix
    assert "registration__RegisterUnit" in docs["components"]["schemas"]


def test_incomplete_materials_give_the_one_time_notice_as_json_and_pdf(gateway: httpx.Client):
    applied = apply(gateway, new_uscc(), materials=["unit_registration_form"])
    assert applied.status_code == 201, applied.text
    case = applied.json()["case"]
    assert case["status"] == "incomplete" and case["deadline"] is None
    assert case["missing"] == ["统一社会信用代码证书或单位批准成立的文件"]
    (notice,) = case["documents"]
    assert notice["form"] == "A.1"
    url = f"/api/v1/registration/cases/{case['case_no']}/documents/{notice['id']}"
    body = gateway.get(url).json()
    assert body["title"] == "未予受理一次性告知单"
    fields = {f["key"]: f["value"] for f in body["fields"]}
    assert fields["missing_materials"] == ["统一社会信用代码证书或单位批准成立的文件"]
    pdf = gateway.get(url, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    squeezed = "".join(text.split())
    assert "未予受理一次性告知单" in squeezed and "统一社会信用代码证书或单位批准成立的文件" in squeezed
    progress = gateway.get(f"/api/v1/registration/cases/{case['case_no']}").json()
    assert progress["progress"] == "待补正"
    audit = gateway.get(f"/api/v1/registration/cases/{case['case_no']}/audit").json()
    assert [(a["action"], a["to_status"], a["actor_id"]) for a in audit] == [
        ("submit", "submitted", "demo-intake"),
        ("request_materials", "incomplete", "demo-intake"),
    ]


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
