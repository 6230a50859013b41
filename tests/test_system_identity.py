"""Every kind of user through the real gateway, and nobody where they don't belong (issue 4).

Persons with 医保电子凭证, staff and units with passwords (lockout), HIS with client credentials (rate
limits), partner regions with signed requests; 身份证/社保卡 identification; "my cases" across services.
"""

import asyncio
import datetime as dt
import random
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

from gateway.admin import upsert_partner
from medins.cases.service import Applicant, CaseKit
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.identity import Principal, PrincipalKind, generate_ed25519_keypair
from medins.partners import RegionSigner
from medins.service_app import shared_catalog
from medins.workdays import get_calendar

pytestmark = pytest.mark.system


def new_certno() -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=random.randrange(15000))
    body = f"431002{birth:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_code() -> str:
    return f"H431002{random.randrange(100000):05d}"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code, response.text
    assert response.json()["title"]


@pytest.fixture(scope="module")
def door(stack):
    """The gateway, without credentials."""
    with httpx.Client(base_url=stack.cfg.url("gateway"), timeout=30) as client:
        yield client


def register_unit(gateway: httpx.Client, uscc: str, employees: list[str]) -> None:
    """单位参保登记 and 职工参保登记 of ``employees`` by staff at the window, both completed."""
    form = {
        "uscc": uscc,
        "name": "郴州市身份测试有限公司",
        "address": "郴州市北湖区人民西路1号",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "handler_name": "李四",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }
    unit = gateway.post(
        "/api/v1/registration/unit-registrations",
        json={"form": form, "materials": ["uscc_certificate", "unit_registration_form"]},
    )
    assert unit.status_code == 201, unit.text
    gateway.post(f"/api/v1/registration/cases/{unit.json()['case']['case_no']}/actions/complete", json={})
    rows = [{"name": f"职工{i}", "certno": c, "start_month": "2026-11"} for i, c in enumerate(employees)]
    enrol = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={
            "form": {"unit_uscc": uscc, "employees": rows},
            "materials": ["employee_registration_form", "id_document"],
        },
    )
    assert enrol.status_code == 201, enrol.text
    done = gateway.post(f"/api/v1/registration/cases/{enrol.json()['case']['case_no']}/actions/complete", json={})
    assert done.status_code == 200, done.text


# ---- persons: 医保电子凭证 --------------------------------------------------------------------------


def test_a_demo_person_logs_in_with_an_e_credential(stack, door):
    demo = httpx.get(stack.cfg.url("devissuer") + "/demo-persons").json()[0]
    issued = httpx.post(stack.cfg.url("devissuer") + "/ecredential-token", json={"certno": demo["certno"]})
    me = door.get("/api/v1/me", headers=bearer(issued.json()["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json() == {"kind": "person", "id": demo["certno"], "region": "431000", "roles": [], "name": demo["name"]}
    mine = door.get("/api/v1/me/cases", headers=bearer(issued.json()["access_token"]))
    assert mine.status_code == 200 and mine.json()["incomplete"] is False


@pytest.fixture(scope="module")
def ecredential(stack):
    """Signs e-credentials with the development issuer's key, with whatever claims a test needs."""
    key = serialization.load_pem_private_key((stack.cfg.keys_dir / "devissuer-private.pem").read_bytes(), None)
    kid = httpx.get(stack.cfg.url("devissuer") + "/jwks.json").json()["keys"][0]["kid"]

    def sign(**changes) -> str:
        now = int(time.time())
        claims = {
            "iss": "medins-dev-ecredential",
            "aud": "medins-gateway",
            "sub": "holder",
            "iat": now,
            "exp": now + 600,
            "certno": "431002199503120018",
            "psn_name": "张医保",
            "insuplc_admdvs": "431000",
        } | changes
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})

    return sign


def test_expired_forged_wrong_issuer_and_wrong_audience_tokens_are_refused(door, ecredential):
    now = int(time.time())
    assert door.get("/api/v1/me", headers=bearer(ecredential())).status_code == 200
    refusals = {
        "token_expired": ecredential(iat=now - 7200, exp=now - 60),
        "wrong_issuer": ecredential(iss="https://elsewhere.example"),
        "wrong_audience": ecredential(aud="another-platform"),
        "invalid_token": ecredential()[:-8] + "AAAAAAAA",
    }
    other, _ = generate_ed25519_keypair()
    stranger = serialization.load_pem_private_key(other, None)
    claims = jwt.decode(ecredential(), options={"verify_signature": False})
    refusals["unknown_signing_key"] = jwt.encode(claims, stranger, algorithm="EdDSA", headers={"kid": "not-theirs"})
    for code, token in refusals.items():
        for path in ("/api/v1/me", "/api/v1/registration/cases"):
            response = door.get(path, headers=bearer(token))
            assert_problem(response, 401, code)
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_person_reads_their_own_cases_and_records_and_nobody_elses(gateway, door, person_token):
    applicant, stranger = new_certno(), new_certno()
    worker = {"name": "灵活就业者", "certno": applicant, "start_month": "2026-11"}
    applied = gateway.post(
        "/api/v1/registration/employee-registrations",
        json={"form": {"flexible_worker": True, "employees": [worker]}, "materials": ["employee_registration_form"]},
    )
    assert applied.status_code == 201, applied.text
    case_no = applied.json()["case"]["case_no"]
    own, other = bearer(person_token(applicant, "灵活就业者")), bearer(person_token(stranger))

    mine = door.get("/api/v1/me/cases", headers=own).json()
    assert [c["case_no"] for c in mine["cases"]] == [case_no]
    assert door.get(f"/api/v1/cases/{case_no}", headers=own).json()["applicant_id"] == applicant
    assert door.get(f"/api/v1/registration/cases/{case_no}", headers=own).status_code == 200

    assert door.get("/api/v1/me/cases", headers=other).json()["cases"] == []
    assert_problem(door.get(f"/api/v1/cases/{case_no}", headers=other), 403, "not_your_case")
    assert_problem(door.get(f"/api/v1/registration/cases/{case_no}", headers=other), 403, "not_your_case")
    withdraw = door.post(f"/api/v1/registration/cases/{case_no}/actions/withdraw", json={}, headers=other)
    assert_problem(withdraw, 403, "not_your_case")
    # records: only their own (the lookup refuses another 身份证号 before looking)
    lookup = door.post("/api/v1/registration/persons/lookup", json={"certno": applicant}, headers=other)
    assert_problem(lookup, 403, "not_owner")
    # staff-only routes stay closed to persons
    assert_problem(door.get("/api/v1/registration/units", headers=own), 403, "audience_not_allowed")
    assert_problem(door.get("/api/v1/registration/cases/due", headers=own), 403, "audience_not_allowed")


def test_a_case_number_routes_to_its_service(door, gateway):
    assert_problem(gateway.get("/api/v1/cases/XYZ-431000-20261123-000001"), 404, "unknown_case_number")
    assert_problem(gateway.get("/api/v1/cases/CLM-431000-20261123-999999"), 404, "case_not_found")
    assert_problem(gateway.get("/api/v1/cases/not-a-case-number"), 422, "validation_error")


# ---- staff: password login, roles, region, lockout ------------------------------------------------


def test_staff_log_in_with_a_password_and_are_locked_out_after_repeated_failures(admin, door):
    staff_id = f"clerk-{uuid.uuid4().hex[:8]}"
    created = admin.put(
        f"/api/v1/admin/staff/{staff_id}",
        json={"name": "王受理", "roles": ["intake"], "password": "Clerk-pass-2026"},
    )
    assert created.status_code == 200 and created.json()["region"] == "431000"
    weak = admin.put(f"/api/v1/admin/staff/{staff_id}x", json={"name": "弱", "roles": ["intake"], "password": "123"})
    assert_problem(weak, 422, "weak_password")

    def login(password: str) -> httpx.Response:
        return door.post("/api/v1/auth/staff/token", json={"staff_id": staff_id, "password": password})

    token = login("Clerk-pass-2026").json()["access_token"]
    me = door.get("/api/v1/me", headers=bearer(token)).json()
    assert (me["kind"], me["id"], me["roles"], me["region"]) == ("staff", staff_id, ["intake"], "431000")
    # the role decides: an intake clerk may not pause a case (受理/审核) nor manage accounts (管理员)
    assert_problem(door.put(f"/api/v1/admin/staff/{staff_id}", json={}, headers=bearer(token)), 403, "role_required")

    for _ in range(4):
        assert_problem(login("wrong-password-1"), 401, "invalid_credentials")
    locked = login("wrong-password-1")
    assert_problem(locked, 401, "account_locked")
    assert int(locked.headers["retry-after"]) > 0
    assert_problem(login("Clerk-pass-2026"), 401, "account_locked")
    # the lockout stops logins, not the tokens already out
    assert door.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert admin.post(f"/api/v1/admin/staff/{staff_id}/unlock").status_code == 200
    fresh = login("Clerk-pass-2026")
    assert fresh.status_code == 200

    # a password change revokes the tokens issued before it
    changed = door.post(
        "/api/v1/auth/password",
        json={"old_password": "Clerk-pass-2026", "new_password": "Clerk-pass-2027"},
        headers=bearer(fresh.json()["access_token"]),
    )
    assert changed.status_code == 204, changed.text
    assert_problem(door.get("/api/v1/me", headers=bearer(token)), 401, "token_revoked")
    assert login("Clerk-pass-2027").status_code == 200


def test_staff_of_another_region_or_deactivated_get_nowhere(stack, admin, door):
    staff_id = f"elsewhere-{uuid.uuid4().hex[:8]}"
    asyncio.run(_staff_elsewhere(stack.cfg.database_url("gateway"), staff_id))
    token = httpx.post(stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": staff_id}).json()["access_token"]
    assert_problem(door.get("/api/v1/registration/units", headers=bearer(token)), 403, "wrong_region")
    assert_problem(door.put("/api/v1/admin/staff/x", json={}, headers=bearer(token)), 403, "wrong_region")
    gone = f"gone-{uuid.uuid4().hex[:8]}"
    admin.put(f"/api/v1/admin/staff/{gone}", json={"name": "离职", "roles": ["intake"], "active": False})
    token = httpx.post(stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": gone}).json()["access_token"]
    assert_problem(door.get("/api/v1/me", headers=bearer(token)), 401, "staff_account_inactive")


async def _staff_elsewhere(database_url: str, staff_id: str) -> None:
    from gateway.admin import upsert_staff

    await upsert_staff(database_url, staff_id=staff_id, name="外地经办", region="370700", roles=["intake", "admin"])


# ---- employers: unit accounts -----------------------------------------------------------------------


def test_a_unit_logs_in_and_sees_only_its_own_employees(gateway, admin, door):
    uscc, employee, outsider = new_uscc(), new_certno(), new_certno()
    register_unit(gateway, uscc, [employee])
    register_unit(gateway, new_uscc(), [outsider])
    unregistered = admin.post(
        "/api/v1/admin/employer-accounts", json={"uscc": new_uscc(), "password": "Unit-pass-2026"}
    )
    assert_problem(unregistered, 422, "employer_not_registered")
    created = admin.post("/api/v1/admin/employer-accounts", json={"uscc": uscc, "password": "Unit-pass-2026"})
    assert created.status_code == 201 and created.json()["name"] == "郴州市身份测试有限公司"

    wrong = door.post("/api/v1/auth/employer/token", json={"uscc": uscc, "password": "nope"})
    assert_problem(wrong, 401, "invalid_credentials")
    login = door.post("/api/v1/auth/employer/token", json={"uscc": uscc, "password": "Unit-pass-2026"})
    unit = bearer(login.json()["access_token"])
    assert door.get("/api/v1/me", headers=unit).json()["id"] == uscc

    found = door.post("/api/v1/registration/persons/lookup", json={"certno": employee}, headers=unit)
    assert found.status_code == 200, found.text
    assert [e["employer_uscc"] for e in found.json()["enrolments"]] == [uscc]
    assert employee not in found.text  # the full 身份证号 is not sent back
    other = door.post("/api/v1/registration/persons/lookup", json={"certno": outsider}, headers=unit)
    assert_problem(other, 403, "not_your_employee")
    cases = door.get("/api/v1/me/cases", headers=unit).json()["cases"]
    assert {c["item_key"] for c in cases} == {"unit_registration", "employee_registration"}
    assert all(c["applicant_id"] == uscc for c in cases)
    assert_problem(door.get("/api/v1/registration/units", headers=unit), 403, "audience_not_allowed")


# ---- institutions: client credentials, identification, their own only, rate limits -----------------


def test_a_hospital_identifies_a_patient_by_id_card_or_social_security_card(gateway, door, his_token):
    patient = new_certno()
    register_unit(gateway, new_uscc(), [patient])
    hospital = bearer(his_token(new_code()))
    by_id = door.post("/api/v1/identity/persons", json={"certno": patient}, headers=hospital)
    assert by_id.status_code == 200, by_id.text
    assert by_id.json()["identified_by"] == "id_card" and by_id.json()["enrolments"][0]["insutype"] == "310"
    assert by_id.json()["certno_masked"] == patient[:6] + "********" + patient[-4:]
    by_card = door.post(
        "/api/v1/identity/persons", json={"certno": patient.lower(), "card_no": "A12345678"}, headers=hospital
    )
    assert by_card.json()["identified_by"] == "social_security_card"
    assert by_card.json()["psn_no"] == by_id.json()["psn_no"]
    wrong_check_digit = patient[:-1] + ("1" if patient[-1] == "0" else "0")
    bad = door.post("/api/v1/identity/persons", json={"certno": wrong_check_digit}, headers=hospital)
    assert_problem(bad, 422, "validation_error")
    assert "身份证号码不正确" in bad.text
    unknown = door.post("/api/v1/identity/persons", json={"certno": new_certno()}, headers=hospital)
    assert_problem(unknown, 404, "person_not_found")
    staff = gateway.post("/api/v1/identity/persons", json={"certno": patient})
    assert staff.status_code == 200
    assert_problem(door.post("/api/v1/identity/persons", json={"certno": patient}), 401, "missing_token")


def test_client_credentials_by_form_or_basic_and_bad_secrets(stack, admin, door):
    code = new_code()
    secret = admin.post(
        "/api/v1/admin/institution-clients", json={"fixmedins_code": code, "name": "基本认证医院"}
    ).json()["client_secret"]
    basic = door.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(code, secret))
    assert basic.status_code == 200 and basic.json()["token_type"] == "Bearer"
    me = door.get("/api/v1/me", headers=bearer(basic.json()["access_token"])).json()
    assert (me["kind"], me["id"]) == ("institution", code)
    wrong = door.post("/api/v1/auth/token", data={"grant_type": "client_credentials"}, auth=(code, "guess"))
    assert_problem(wrong, 401, "invalid_client")
    assert wrong.json()["error"] == "invalid_client"
    grant = door.post("/api/v1/auth/token", data={"grant_type": "password", "client_id": code, "client_secret": secret})
    assert_problem(grant, 400, "unsupported_grant_type")
    # a new secret revokes the tokens of the old one
    admin.post("/api/v1/admin/institution-clients", json={"fixmedins_code": code, "name": "基本认证医院"})
    assert_problem(door.get("/api/v1/me", headers=bearer(basic.json()["access_token"])), 401, "token_revoked")


def test_an_institution_reads_its_own_declarations_and_not_anothers(stack, door, his_token):
    own_code, other_code = new_code(), new_code()
    case_no = asyncio.run(_declaration_case(stack.cfg.database_url("settlement"), own_code))
    own, other = bearer(his_token(own_code)), bearer(his_token(other_code))
    assert door.get(f"/api/v1/cases/{case_no}", headers=own).json()["applicant_id"] == own_code
    assert [c["case_no"] for c in door.get("/api/v1/me/cases", headers=own).json()["cases"]] == [case_no]
    assert_problem(door.get(f"/api/v1/cases/{case_no}", headers=other), 403, "not_your_case")
    assert door.get("/api/v1/me/cases", headers=other).json()["cases"] == []
    assert_problem(door.get("/api/v1/settlement/declarations", headers=own), 403, "audience_not_allowed")


async def _declaration_case(database_url: str, fixmedins_code: str) -> str:
    """A hospital's monthly declaration (医保费用申报) as its HIS submits it, in the settlement service."""
    engine = make_engine(database_url)
    try:
        kit = CaseKit(service="settlement", region="431000", catalog=shared_catalog(), calendar=get_calendar("431000"))
        hospital = Principal(PrincipalKind.institution, fixmedins_code, "431000")
        async with UnitOfWork(make_sessionmaker(engine), source="settlement", region="431000") as uow:
            row = await kit.submit(
                uow,
                item_key="hospital_settlement",
                applicant=Applicant("institution", fixmedins_code, "测试医院"),
                actor=hospital,
                channel="online",
                form={"month": "2026-10"},
                materials=["settlement_declaration"],
                situations=[],
            )
            await uow.commit()
        return str(row["case_no"])
    finally:
        await engine.dispose()


def test_a_principal_over_its_rate_gets_429_with_retry_after(door, his_token):
    hospital = bearer(his_token(new_code(), rate_limit_per_minute=3))
    statuses = [door.get("/api/v1/me", headers=hospital).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = door.get("/api/v1/me", headers=hospital)
    assert_problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    assert_problem(door.get("/api/v1/registration/cases", headers=hospital), 429, "rate_limited")


# ---- partner regions: signed requests --------------------------------------------------------------


@pytest.fixture(scope="module")
def weifang(stack):
    """潍坊 (370700) as a trusted partner of this deployment: its key pair and a signer."""
    private, public = generate_ed25519_keypair()
    asyncio.run(
        upsert_partner(
            stack.cfg.database_url("gateway"),
            admdvs="370700",
            name="潍坊市医疗保障局",
            base_url="http://127.0.0.1:1",
            public_keys_pem=[public],
        )
    )
    return RegionSigner("370700", private)


def signed(signer: RegionSigner, method: str, path: str, body: bytes = b"", audience: str = "431000") -> dict:
    return bearer(signer.sign_request(audience=audience, method=method, path=path, body=body))


def test_a_partner_region_calls_with_signed_requests(door, weifang):
    path = "/api/v1/transfer/cases"
    headers = signed(weifang, "GET", path)
    first = door.get(path, headers=headers)
    assert first.status_code == 200 and first.json() == []
    assert_problem(door.get(path, headers=headers), 401, "replayed_request")
    me = door.get("/api/v1/me", headers=signed(weifang, "GET", "/api/v1/me")).json()
    assert (me["kind"], me["id"], me["name"]) == ("partner", "370700", "潍坊市医疗保障局")
    # bound to its request: another path, another body, another receiver are refused
    assert_problem(
        door.get("/api/v1/claims/cases", headers=signed(weifang, "GET", path)), 401, "partner_request_mismatch"
    )
    tampered = door.post(
        "/api/v1/transfer/cases/TRF-431000-20261123-000001/actions/withdraw",
        content=b'{"reason": "x"}',
        headers=signed(weifang, "POST", "/api/v1/transfer/cases/TRF-431000-20261123-000001/actions/withdraw", b"{}"),
    )
    assert_problem(tampered, 401, "partner_request_mismatch")
    assert_problem(door.get(path, headers=signed(weifang, "GET", path, audience="320300")), 401, "wrong_audience")
    # a partner reaches only what is addressed to partners
    units = "/api/v1/registration/units"
    assert_problem(door.get(units, headers=signed(weifang, "GET", units)), 403, "audience_not_allowed")
    # a region not in the registry, or a key it did not register, is refused
    private, _ = generate_ed25519_keypair()
    assert_problem(door.get(path, headers=signed(RegionSigner("320300", private), "GET", path)), 401, "unknown_partner")
    impostor = RegionSigner("370700", private)
    assert_problem(door.get(path, headers=signed(impostor, "GET", path)), 401, "unknown_signing_key")


# ---- my cases across the services, with one of them down ---------------------------------------------


def test_my_cases_say_which_service_did_not_answer(stack, door, person_token):
    person = bearer(person_token(new_certno()))
    stack.stop_process("claims")
    try:
        mine = door.get("/api/v1/me/cases", headers=person)
        assert mine.status_code == 200
        assert mine.json()["incomplete"] is True
        assert [(u["service"], u["name"]) for u in mine.json()["unavailable"]] == [("claims", "待遇报销服务")]
        down = door.get("/api/v1/cases/CLM-431000-20261123-000001", headers=person)
        assert_problem(down, 502, "upstream_unavailable")
        assert down.json()["service"] == "claims"
    finally:
        stack.start_process("claims")
        stack.wait_ready(60)


def test_the_request_id_comes_back_and_the_trace_goes_on(door, person_token):
    response = door.get(
        "/api/v1/registration/cases",
        headers=bearer(person_token(new_certno()))
        | {"x-request-id": "req-issue4", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
    )
    assert response.status_code == 200 and response.headers["x-request-id"] == "req-issue4"
