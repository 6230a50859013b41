"""The authorization matrix: every route of the gateway's combined OpenAPI against every kind of principal.

The expected access of each route is written down here, by hand; the routes come from the running
gateway's ``/openapi.json``. A route without a rule here (or a rule without its route) fails the test, so
a new route cannot ship without someone deciding who may call it.

This is the door of each route (the route's audience, the staff member's region and, where the route
names them, roles): a principal is *refused* with 401, or with 403 and one of the door's codes, and
*let in* otherwise (the placeholder data then gives 404, 422 …). Whose records a principal sees behind
the door (a person their own, a unit its employees, an institution its declarations) is tested in
test_system_identity.py.
"""

import asyncio
import time
import uuid

import httpx
import pytest

from gateway.admin import upsert_partner, upsert_staff
from gateway.demo import DEMO_EMPLOYER
from medins.cases.domain import SERVICE_CODES
from medins.identity import generate_ed25519_keypair
from medins.partners import RegionSigner

pytestmark = pytest.mark.system

SERVICES = tuple(SERVICE_CODES)
# the principals: one of each kind, and staff with different roles and of another region
PERSON, EMPLOYER, INSTITUTION, PARTNER = "person", "employer", "institution", "partner"
INTAKE = "staff_intake"  # demo-intake: 受理, 审核
FINANCE = "staff_finance"  # 财务 only
ADMIN = "staff_admin"  # demo-admin: every role
ELSEWHERE = "staff_370700"  # every role, but of another region
PRINCIPALS = (PERSON, EMPLOYER, INSTITUTION, PARTNER, INTAKE, FINANCE, ADMIN, ELSEWHERE)

OPEN = "open"  # no token needed
STAFF = frozenset({INTAKE, FINANCE, ADMIN})
APPLICANTS = frozenset({PERSON, EMPLOYER, INSTITUTION})
EVERYONE = STAFF | APPLICANTS | {PARTNER}

GATEWAY_RULES: dict[str, object] = {
    "POST /api/v1/auth/staff/token": OPEN,
    "POST /api/v1/auth/employer/token": OPEN,
    "POST /api/v1/auth/token": OPEN,
    "POST /api/v1/auth/password": STAFF | {EMPLOYER},
    "PUT /api/v1/admin/staff/{staff_id}": {ADMIN},
    "POST /api/v1/admin/staff/{staff_id}/unlock": {ADMIN},
    "POST /api/v1/admin/employer-accounts": {INTAKE, ADMIN},
    "POST /api/v1/admin/institution-clients": {ADMIN},
    "GET /api/v1/me": EVERYONE,
    "GET /api/v1/me/cases": APPLICANTS | {PARTNER},
    "GET /api/v1/cases/{case_no}": EVERYONE,
    "POST /api/v1/identity/persons": STAFF | {INSTITUTION},
}
SERVICE_RULES: dict[str, object] = {
    "GET /api/v1/registration/units": STAFF,
    "GET /api/v1/registration/units/{unit_id}": STAFF,
    "POST /api/v1/registration/unit-registrations": STAFF,
    "POST /api/v1/registration/employee-registrations": STAFF,
    "POST /api/v1/registration/persons/lookup": STAFF | APPLICANTS,
    "GET /api/v1/transfer/transfers": STAFF,
    "GET /api/v1/claims/offsite-care-filings": STAFF,
    "GET /api/v1/maternity/employers": STAFF,
    "GET /api/v1/maternity/employers/{uscc}": STAFF,
    # "insured on this date": staff, and other services (no principal of the matrix is a service)
    "GET /api/v1/maternity/coverage/{certno}": STAFF,
    "GET /api/v1/institutions/institutions": STAFF,
    "GET /api/v1/settlement/declarations": STAFF,
}
# 个人账户: the ledger for staff and the person, money posted by 财务, applications at a window or by the person
SERVICE_RULES |= {
    "GET /api/v1/registration/accounts/me": {PERSON},
    "GET /api/v1/registration/accounts/{certno}": STAFF | {PERSON},
    "GET /api/v1/registration/accounts/{certno}/mutual-aid": STAFF | {PERSON},
    "POST /api/v1/registration/accounts/credits": {FINANCE, ADMIN},
    "POST /api/v1/registration/accounts/{certno}/debits": {FINANCE, ADMIN},
    "POST /api/v1/registration/accounts/withdrawals": {INTAKE, ADMIN, PERSON},
    "POST /api/v1/registration/accounts/mutual-aid/bindings": {INTAKE, ADMIN, PERSON},
    "POST /api/v1/registration/accounts/mutual-aid/unbindings": {INTAKE, ADMIN, PERSON},
}
# the case routes every service mounts (medins.cases.router)
CASE_RULES: dict[str, object] = {
    "GET ": EVERYONE,
    "GET /due": STAFF,
    "GET /{case_no}": EVERYONE,
    "GET /{case_no}/audit": STAFF,
    "GET /{case_no}/documents/{document_id}": EVERYONE,
    "POST /{case_no}/actions/{action}": STAFF | APPLICANTS,
    "POST /{case_no}/pause": {INTAKE, ADMIN},
    "POST /{case_no}/resume": {INTAKE, ADMIN},
    "POST /{case_no}/extend": {ADMIN},
    "POST /{case_no}/evaluation": STAFF | APPLICANTS,
    "POST /{case_no}/follow-up/close": {INTAKE, ADMIN},
}
RULES = GATEWAY_RULES | SERVICE_RULES
for _service in SERVICES:
    for _key, _rule in CASE_RULES.items():
        _method, _, _suffix = _key.partition(" ")
        RULES[f"{_method} /api/v1/{_service}/cases{_suffix}"] = _rule

#: 403 codes of the door; other 403s (not_your_case, not_owner …) come from behind it, on the data
DOOR_CODES = {"audience_not_allowed", "wrong_region", "role_required", "staff_only"}
PLACEHOLDERS = {
    "document_id": str(uuid.UUID(int=0)),
    "unit_id": str(uuid.UUID(int=0)),
    "action": "withdraw",
    "uscc": "91431000MA4L0XXK0G",
    "staff_id": "matrix-nobody",
    "certno": "431002199807150021",  # the matrix's person
}


def fill(path: str) -> str:
    service = path.split("/")[3]
    case_no = f"{SERVICE_CODES.get(service, 'REG')}-431000-20261123-999999"
    out = path.replace("{case_no}", case_no)
    for name, value in PLACEHOLDERS.items():
        out = out.replace("{" + name + "}", value)
    assert "{" not in out, f"no placeholder for a parameter of {path}: add it to PLACEHOLDERS"
    return out


@pytest.fixture(scope="module")
def principals(stack, staff_token, admin, his_token, person_token) -> dict[str, object]:
    """A bearer token per principal; for the partner region, its signer (a token per request)."""
    database = stack.cfg.database_url("gateway")
    private, public = generate_ed25519_keypair()
    asyncio.run(
        upsert_partner(
            database, admdvs="410482", name="汝州市医疗保障局", base_url="http://x", public_keys_pem=[public]
        )
    )
    asyncio.run(upsert_staff(database, staff_id="matrix-370700", name="外地", region="370700", roles=["admin"]))
    finance = admin.put("/api/v1/admin/staff/matrix-finance", json={"name": "财务", "roles": ["finance"]})
    assert finance.status_code == 200, finance.text
    uscc, _, password = DEMO_EMPLOYER
    employer = httpx.post(
        stack.cfg.url("gateway") + "/api/v1/auth/employer/token", json={"uscc": uscc, "password": password}
    )
    employer.raise_for_status()
    return {
        PERSON: person_token("431002199807150021"),
        EMPLOYER: employer.json()["access_token"],
        INSTITUTION: his_token("H43100299999"),
        PARTNER: RegionSigner("410482", private),
        INTAKE: staff_token("demo-intake"),
        FINANCE: staff_token("matrix-finance"),
        ADMIN: staff_token("demo-admin"),
        ELSEWHERE: staff_token("matrix-370700"),
    }


@pytest.fixture(scope="module")
def operations(stack) -> list[tuple[str, str]]:
    doc = httpx.get(stack.cfg.url("gateway") + "/openapi.json", timeout=30).json()
    return [(method.upper(), path) for path, item in doc["paths"].items() for method in item]


def test_every_route_has_a_rule_and_every_rule_a_route(operations):
    routes = {f"{method} {path}" for method, path in operations}
    assert len(routes) == len(operations)
    without_rule = sorted(routes - set(RULES))
    assert not without_rule, f"routes without an authorization rule in this test: {without_rule}"
    without_route = sorted(set(RULES) - routes)
    assert not without_route, f"rules for routes the gateway does not have: {without_route}"


def call(client: httpx.Client, method: str, path: str, credential: object | None) -> httpx.Response:
    body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
    while True:
        headers = {"content-type": "application/json"} if body else {}
        if isinstance(credential, RegionSigner):  # a new signature each time: a partner's is good for one request
            token = credential.sign_request(audience="431000", method=method, path=path, body=body)
            headers["authorization"] = f"Bearer {token}"
        elif credential is not None:
            headers["authorization"] = f"Bearer {credential}"
        response = client.request(method, path, content=body, headers=headers)
        if response.status_code != 429:
            return response
        # the matrix asks about doors, not about rate limits (one principal calls every route in a few seconds)
        time.sleep(float(response.headers.get("retry-after", "1")))


def refused(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code == 403 and response.json().get("code") in DOOR_CODES


def test_each_principal_gets_through_exactly_the_doors_meant_for_it(stack, operations, principals):
    wrong: list[str] = []
    with httpx.Client(base_url=stack.cfg.url("gateway"), timeout=30) as client:
        for method, template in operations:
            rule = RULES[f"{method} {template}"]
            path = fill(template)
            anonymous = call(client, method, path, None)
            if rule == OPEN:
                if refused(anonymous):
                    wrong.append(f"{method} {template}: open, but anonymous got {anonymous.status_code}")
                continue
            if anonymous.status_code != 401:
                wrong.append(f"{method} {template}: anonymous got {anonymous.status_code}, want 401")
            assert isinstance(rule, (set, frozenset))
            for name in PRINCIPALS:
                response = call(client, method, path, principals[name])
                assert response.status_code < 500, f"{method} {path} as {name}: {response.text}"
                if refused(response) == (name in rule):
                    want = "let in" if name in rule else "refused"
                    wrong.append(
                        f"{method} {template} as {name}: {response.status_code} {response.text[:120]}, want {want}"
                    )
    assert not wrong, "\n".join(wrong)


# 单位、职工、居民的参保异动 and 参保信息查询: applications at a window (受理 staff) or by the applicant
# themself; 职工参保登记 is also the 灵活就业人员's own application
WINDOW = frozenset({INTAKE, ADMIN})
RULES |= {
    "POST /api/v1/registration/employee-registrations": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/unit-suspensions": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/unit-resumptions": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/unit-cancellations": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/unit-changes": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/unit-restructurings": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/employee-reductions": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/employee-resumptions": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/employee-retirements": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/employee-changes": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/contribution-base-adjustments": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/retiree-deaths": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/retiree-unit-changes": WINDOW | {EMPLOYER},
    "POST /api/v1/registration/gap-backpays": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/arrears-backpays": WINDOW | {EMPLOYER, PERSON},
    "POST /api/v1/registration/resident-registrations": WINDOW | {PERSON},
    "POST /api/v1/registration/resident-changes": WINDOW | {PERSON},
    "POST /api/v1/registration/resident-batches": WINDOW | {EMPLOYER},
    "GET /api/v1/registration/resident-batches/{case_no}/report": STAFF | {EMPLOYER},
    "POST /api/v1/registration/insurance-info/persons": STAFF | {PERSON, EMPLOYER},
    "GET /api/v1/registration/insurance-info/units/{uscc}": STAFF | {EMPLOYER},
    "GET /api/v1/registration/insurance-info/units/{uscc}/employees": STAFF | {EMPLOYER},
    "GET /api/v1/registration/insurance-info/mine": {PERSON, EMPLOYER},
    "POST /api/v1/registration/person-insurance-queries": WINDOW | {PERSON},
    "POST /api/v1/registration/unit-insurance-queries": WINDOW | {EMPLOYER},
}


# 缴费记录: the tax bureau's file imported by 财务, batches and insured periods read by staff
RULES |= {
    "POST /api/v1/registration/contribution-batches": {FINANCE, ADMIN},
    "GET /api/v1/registration/contribution-batches": STAFF,
    "GET /api/v1/registration/contribution-batches/{batch_id}": STAFF,
    "GET /api/v1/registration/persons/{certno}/insured-periods": STAFF,
}
PLACEHOLDERS |= {"batch_id": str(uuid.UUID(int=0))}


# 转移接续: applications at a window (受理) or by the person, the partner API for partner regions only,
# the partner directory for administrators
RULES |= {
    "POST /api/v1/transfer/transfers/inbound": {INTAKE, ADMIN, PERSON},
    "POST /api/v1/transfer/transfers/outbound": {INTAKE, ADMIN, PERSON},
    "POST /api/v1/transfer/certificates": {INTAKE, ADMIN, PERSON},
    "GET /api/v1/transfer/transfers/overdue": STAFF,
    "GET /api/v1/transfer/transfers/{transfer_id}": STAFF | {PERSON},
    "GET /api/v1/transfer/transfers/{transfer_id}/signed/{kind}": STAFF,
    # sending a mismatched 信息表 back (返还), taking back one the destination refused, resending a document: 审核
    "POST /api/v1/transfer/transfers/{transfer_id}/send-back": {INTAKE, ADMIN},
    "POST /api/v1/transfer/transfers/{transfer_id}/take-back": {INTAKE, ADMIN},
    "POST /api/v1/transfer/transfers/{transfer_id}/messages/{message_id}/resend": {INTAKE, ADMIN},
    "POST /api/v1/transfer/partner/messages": {PARTNER},
    "GET /api/v1/transfer/partners": STAFF,
    "GET /api/v1/transfer/partners/self": {ADMIN},
    "PUT /api/v1/transfer/partners/{admdvs}": {ADMIN},
}
PLACEHOLDERS |= {
    "transfer_id": str(uuid.UUID(int=0)),
    "kind": "letter",
    "admdvs": "410482",
    "message_id": str(uuid.UUID(int=0)),
}
