"""The transfer service's routes in process on real PostgreSQL: bad input gets a problem, never a 500;
applications, the certificate and the documents as JSON and PDF; the overdue list; the partner route."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import update

from medins.cases.tables import case_stage_clock
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from medins.partners import RegionSigner, public_jwk
from transfer.config import Settings
from transfer.main import create_app

from .conftest import new_certno

pytestmark = pytest.mark.integration

REGION = "431000"
ADMIN = Principal(PrincipalKind.staff, "s-admin", REGION, frozenset({"intake", "review", "admin"}), "示例管理员")
CLERK = Principal(PrincipalKind.staff, "s-clerk", REGION, frozenset({"review"}), "审核员")


@dataclass
class Api:
    client: httpx.AsyncClient
    signer: InternalTokenSigner
    app: object
    partner_key: bytes

    def as_(self, principal: Principal) -> dict[str, str]:
        return {"x-medins-principal": self.signer.sign(principal)}

    async def seed(self, event_type: str, data: dict) -> None:
        """An event from registration reaching the transfer service's consumer."""
        from medins.bus.envelope import Envelope
        from transfer.persons.handlers import HANDLERS

        envelope = Envelope(type=event_type, source="registration", region=REGION, correlation_id="t", data=data)
        async with self.app.state.sessionmaker() as session, session.begin():  # type: ignore[attr-defined]
            await HANDLERS[event_type](session, envelope)


@pytest.fixture
async def api(make_database, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    private, public = generate_ed25519_keypair()
    (tmp_path / "internal-public.pem").write_bytes(public)
    url = make_database("transfer")
    settings = Settings(
        database_url=url,
        amqp_url=amqp_url,
        region=REGION,
        internal_public_key_file=tmp_path / "internal-public.pem",
        region_key_file=tmp_path / "keys" / "region-private.pem",
        relay_enabled=False,
        consumers_enabled=False,
        partner_sender_enabled=False,
    )
    app = create_app(settings)
    weifang_private, weifang_public = generate_ed25519_keypair()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://transfer") as client:
            api = Api(client, InternalTokenSigner(private), app, weifang_private)
            registered = await client.put(
                "/api/v1/transfer/partners/370700",
                json={
                    "name": "潍坊市医疗保障服务中心",
                    "base_url": "http://weifang.example",
                    "jwks": {"keys": [public_jwk(weifang_public)]},
                },
                headers=api.as_(ADMIN),
            )
            assert registered.status_code == 200, registered.text
            yield api


def application(certno: str, **changes) -> dict:
    return {
        "certno": certno,
        "name": "张申请",
        "phone": "13800138000",
        "household_type": "non_agricultural",
        "origin_region": "370700",
        "certificate_no": "37070020260001",
        "materials": ["id_document", "insurance_certificate"],
    } | changes


async def enrolled(api: Api, certno: str, name: str = "张申请", *, suspended: bool = False, balance: str | None = None):
    await api.seed(
        "registration.person.enrolled.v1",
        {"psn_no": "P1", "certno": certno, "name": name, "insutype": "310", "start_on": "2019-04-01", "region": REGION},
    )
    if suspended:
        await api.seed(
            "registration.person.suspended.v1",
            {
                "psn_no": "P1",
                "certno": certno,
                "name": name,
                "insutype": "310",
                "effective_on": "2026-11-01",
                "region": REGION,
            },
        )
    if balance is not None:
        await api.seed(
            "registration.account.credited.v1",
            {"certno": certno, "balance_after": balance, "entry_no": 3, "occurred_at": "2026-11-01T00:00:00Z"},
        )


def problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["title"], body
    return body


async def test_bad_applications_get_a_problem_with_a_stable_code_and_a_chinese_title(api: Api):
    post = "/api/v1/transfer/transfers/inbound"
    certno = new_certno()
    bad_id = await api.client.post(post, json=application("431002199503120019"), headers=api.as_(ADMIN))
    assert problem(bad_id, 422, "validation_error")["errors"][0]["loc"][-1] == "certno"
    unknown = await api.client.post(post, json=application(certno, origin_region="320300"), headers=api.as_(ADMIN))
    assert "320300" in problem(unknown, 422, "unknown_partner_region")["detail"]
    same = await api.client.post(post, json=application(certno, origin_region=REGION), headers=api.as_(ADMIN))
    problem(same, 422, "same_region")
    not_here = await api.client.post(post, json=application(certno), headers=api.as_(ADMIN))
    assert problem(not_here, 422, "not_enrolled_here")["title"] == "尚未在本统筹区参保缴费"
    no_role = await api.client.post(post, json=application(certno), headers=api.as_(CLERK))
    problem(no_role, 403, "role_required")
    someone = Principal(PrincipalKind.person, new_certno(), REGION, name="别人")
    not_own = await api.client.post(post, json=application(certno), headers=api.as_(someone))
    problem(not_own, 403, "not_owner")
    malformed = await api.client.post(post, content=b"{", headers=api.as_(ADMIN) | {"content-type": "application/json"})
    problem(malformed, 400, "malformed_json")
    money = await api.client.get("/api/v1/transfer/transfers/not-a-uuid", headers=api.as_(ADMIN))
    problem(money, 422, "validation_error")


async def test_an_application_issues_the_letter_as_json_and_pdf_and_a_second_one_is_refused(api: Api):
    certno = new_certno()
    await enrolled(api, certno)
    created = await api.client.post(
        "/api/v1/transfer/transfers/inbound", json=application(certno), headers=api.as_(ADMIN)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["transfer"]["status"] == "letter_issued" and body["transfer"]["letter_no"].startswith("4310002026")
    case = body["case"]
    assert case["status"] == "in_review" and case["progress"] == "办理中"
    assert [c["stage"] for c in case["stage_clocks"]] == ["letter"]
    letter = next(d for d in case["documents"] if d["form"] == "样表15")
    pdf = await api.client.get(
        f"/api/v1/transfer/cases/{case['case_no']}/documents/{letter['id']}?format=pdf", headers=api.as_(ADMIN)
    )
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(BytesIO(pdf.content)).pages)
    number = body["transfer"]["letter_no"]
    assert f"郴州市{number[6:10]}年第{number[10:]}号" in text and certno in text and "潍坊市医疗保障服务中心" in text
    again = await api.client.post(
        "/api/v1/transfer/transfers/inbound", json=application(certno), headers=api.as_(ADMIN)
    )
    problem(again, 409, "transfer_in_progress")
    # the applicant follows it, and sees the transfer's clocks; a stranger does not
    person = Principal(PrincipalKind.person, certno, REGION, name="张申请")
    detail = await api.client.get(f"/api/v1/transfer/transfers/{body['transfer']['id']}", headers=api.as_(person))
    assert detail.status_code == 200 and [c["clock"] for c in detail.json()["clocks"]] == ["letter", "overall"]
    mine = await api.client.get("/api/v1/transfer/cases", headers=api.as_(person))
    assert [c["case_no"] for c in mine.json()] == [case["case_no"]]
    stranger = Principal(PrincipalKind.person, new_certno(), REGION, name="路人")
    problem(
        await api.client.get(f"/api/v1/transfer/transfers/{body['transfer']['id']}", headers=api.as_(stranger)),
        403,
        "not_owner",
    )


async def test_a_transfer_past_a_stage_deadline_is_listed_as_overdue_with_every_clock(api: Api):
    certno = new_certno()
    await enrolled(api, certno)
    created = await api.client.post(
        "/api/v1/transfer/transfers/inbound", json=application(certno), headers=api.as_(ADMIN)
    )
    case_no = created.json()["case"]["case_no"]
    assert (await api.client.get("/api/v1/transfer/transfers/overdue", headers=api.as_(ADMIN))).json() == []
    async with api.app.state.sessionmaker() as session, session.begin():  # type: ignore[attr-defined]
        from sqlalchemy import select

        from medins.cases.tables import case_record

        case_id = (await session.execute(select(case_record.c.id).where(case_record.c.case_no == case_no))).scalar_one()
        await session.execute(
            update(case_stage_clock)
            .where(case_stage_clock.c.case_id == case_id)
            .values(deadline=date.today() - timedelta(days=3))
        )
    [overdue] = (await api.client.get("/api/v1/transfer/transfers/overdue", headers=api.as_(ADMIN))).json()
    assert overdue["case_no"] == case_no and overdue["exceeded"] == ["letter"]
    assert {c["clock"]: c["exceeded"] for c in overdue["clocks"]} == {"letter": True, "overall": False}


async def test_the_certificate_has_the_balance_in_capitals_and_is_refused_to_a_person_not_stopped(api: Api):
    stopped, working = new_certno(), new_certno()
    await enrolled(api, stopped, "钱停保", suspended=True, balance="2000.10")
    await enrolled(api, working, "孙在职")
    issued = await api.client.post(
        "/api/v1/transfer/certificates",
        json={"certno": stopped, "household_type": "resident", "materials": ["id_document"]},
        headers=api.as_(ADMIN),
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["case"]["status"] == "completed" and body["case"]["result"]["balance"] == "2000.10"
    assert (
        body["certificate"]["certificate_no"].startswith("4310002026")
        and len(body["certificate"]["certificate_no"]) == 14
    )
    form = next(d for d in body["case"]["documents"] if d["form"] == "样表14")
    document = await api.client.get(
        f"/api/v1/transfer/cases/{body['case']['case_no']}/documents/{form['id']}", headers=api.as_(ADMIN)
    )
    values = {f["key"]: f["value"] for f in document.json()["fields"]}
    assert (
        values["balance"] == "（大写）贰仟元壹角（小写）￥2000.10" and values["period"] == "起 2019年04月 止 2026年10月"
    )
    refused = await api.client.post("/api/v1/transfer/certificates", json={"certno": working}, headers=api.as_(ADMIN))
    problem(refused, 422, "not_suspended")
    nobody = await api.client.post(
        "/api/v1/transfer/certificates", json={"certno": new_certno()}, headers=api.as_(ADMIN)
    )
    problem(nobody, 404, "person_not_found")


async def test_the_partner_route_takes_signed_documents_from_partners_only(api: Api):
    partner = Principal(PrincipalKind.partner, "370700", "370700", name="潍坊市")
    staff_call = await api.client.post(
        "/api/v1/transfer/partner/messages", json={"kind": "letter", "document": "x" * 30}, headers=api.as_(ADMIN)
    )
    problem(staff_call, 403, "audience_not_allowed")
    garbage = await api.client.post(
        "/api/v1/transfer/partner/messages", json={"kind": "letter", "document": "x" * 30}, headers=api.as_(partner)
    )
    problem(garbage, 422, "invalid_document_signature")
    unknown_letter = RegionSigner("370700", api.partner_key).sign_document(
        {
            "kind": "rejection",
            "subject": "letter",
            "number": "43100020269999999",
            "from_region": "370700",
            "to_region": REGION,
            "certno": new_certno(),
            "name": "某人",
            "reason": "unknown_person",
            "detail": "查无此人",
            "rejected_on": "2026-11-23",
        }
    )
    response = await api.client.post(
        "/api/v1/transfer/partner/messages",
        json={"kind": "rejection", "document": unknown_letter},
        headers=api.as_(partner),
    )
    problem(response, 422, "unknown_letter")
    wrong_kind = await api.client.post(
        "/api/v1/transfer/partner/messages",
        json={"kind": "info_table", "document": unknown_letter},
        headers=api.as_(partner),
    )
    problem(wrong_kind, 422, "invalid_document")


async def test_admins_see_the_regions_public_key_and_bad_partner_keys_are_refused(api: Api):
    own = await api.client.get("/api/v1/transfer/partners/self", headers=api.as_(ADMIN))
    assert own.status_code == 200 and own.json()["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert own.json()["jwks"]["keys"][0]["alg"] == "EdDSA"
    bad = await api.client.put(
        "/api/v1/transfer/partners/320300",
        json={"name": "徐州", "base_url": "http://x", "jwks": {"keys": [{"kty": "nope"}]}},
        headers=api.as_(ADMIN),
    )
    problem(bad, 422, "invalid_jwks")
    problem(await api.client.get("/api/v1/transfer/partners/self", headers=api.as_(CLERK)), 403, "role_required")
    _ = Decimal


async def test_a_person_applies_online_with_their_e_credential_and_the_system_accepts_complete_materials(api: Api):
    certno = new_certno()
    await enrolled(api, certno, "周网办")
    me = Principal(PrincipalKind.person, certno, "370700", name="周网办")
    body = application(certno, name=None, channel="online")
    created = await api.client.post("/api/v1/transfer/transfers/inbound", json=body, headers=api.as_(me))
    assert created.status_code == 201, created.text
    case = created.json()["case"]
    assert case["applicant_name"] == "周网办" and case["channel"] == "online" and case["status"] == "in_review"
    audit = await api.client.get(f"/api/v1/transfer/cases/{case['case_no']}/audit", headers=api.as_(ADMIN))
    assert [(t["action"], t["actor_id"]) for t in audit.json()][:2] == [
        ("submit", certno),
        ("accept", "transfer-system"),
    ]
    # with a material missing the one-time notice lists it, and no letter is issued until a window accepts
    other = new_certno()
    await enrolled(api, other, "吴缺件")
    incomplete = await api.client.post(
        "/api/v1/transfer/transfers/inbound",
        json=application(other, name="吴缺件", materials=["id_document"]),
        headers=api.as_(ADMIN),
    )
    assert incomplete.status_code == 201, incomplete.text
    assert incomplete.json()["case"]["status"] == "incomplete"
    assert incomplete.json()["case"]["missing"] == ["《基本医疗保险参保凭证》"]
    assert incomplete.json()["transfer"]["status"] == "submitted" and incomplete.json()["transfer"]["letter_no"] is None
