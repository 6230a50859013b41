"""转移接续 between two full deployments side by side (郴州市 431000 and 潍坊市 370700): each with its own
databases (on one PostgreSQL server), its own RabbitMQ broker, gateway and region key, talking only through each
other's gateway.

A person moves both ways end to end; the transfer-out region is stopped for a while and then started; a letter
arrives twice; a tampered table is refused; the money is conserved to the fen over many transfers.
"""

import asyncio
import base64
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO

import httpx
import pytest
from pypdf import PdfReader
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

from gateway.admin import upsert_partner
from medins.identity import generate_ed25519_keypair
from medins.partners import PartnerClient, RegionSigner
from medins.stack import Stack

pytestmark = pytest.mark.system

NAMES = {"431000": "郴州市医疗保障事务中心", "370700": "潍坊市医疗保障服务中心"}
UNIT_MATERIALS = ["uscc_certificate", "unit_registration_form"]
EMPLOYEE_MATERIALS = ["employee_registration_form", "id_document"]


def new_uscc(region: str) -> str:
    body = "91" + region + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno() -> str:
    body = f"431002{random.randrange(1965, 2000)}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
    body += f"{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def wait_for(what: str, probe, timeout: float = 120.0, every: float = 0.5):
    """Poll ``probe`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Region:
    code: str
    stack: Stack
    staff: httpx.Client
    uscc: str = ""

    def url(self) -> str:
        return self.stack.cfg.url("gateway")

    def region_key(self) -> bytes:
        return (self.stack.cfg.keys_dir / "region-private.pem").read_bytes()

    def done(self, path: str, body: dict) -> dict:
        """Apply at registration and, unless the window completed it, complete the case as a reviewer."""
        applied = self.staff.post(f"/api/v1/registration{path}", json=body)
        assert applied.status_code == 201, applied.text
        case = applied.json()["case"]
        if case["status"] != "completed":
            completed = self.staff.post(f"/api/v1/registration/cases/{case['case_no']}/actions/complete", json={})
            assert completed.status_code == 200, completed.text
            case = completed.json()
        return dict(case)

    def enrol(self, certno: str, name: str, *, balance: Decimal | None = None, stop: bool = False) -> None:
        """参保登记 at this region's unit; a balance credited (财务); 暂停缴费 (停保) when asked."""
        row = {"name": name, "certno": certno, "declared_monthly_wage": "6000.00", "start_month": "2020-01"}
        form = {"unit_uscc": self.uscc, "employees": [row]}
        self.done("/employee-registrations", {"form": form, "materials": EMPLOYEE_MATERIALS})
        if balance:
            line = {"certno": certno, "amount": str(balance), "reference": f"alloc-{certno}"}
            credited = self.staff.post(
                "/api/v1/registration/accounts/credits",
                json={"lines": [line]},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            assert credited.status_code == 201, credited.text
        if stop:
            reduction = {"name": name, "certno": certno, "change_type": "suspend", "stop_month": "2026-11"}
            form = {"unit_uscc": self.uscc, "rows": [reduction]}
            self.done("/employee-reductions", {"form": form, "materials": EMPLOYEE_MATERIALS})

    def ledger(self, certno: str) -> dict:
        response = self.staff.get(f"/api/v1/registration/accounts/{certno}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def transfer(self, transfer_id: str) -> dict:
        response = self.staff.get(f"/api/v1/transfer/transfers/{transfer_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def transfers_of(self, certno: str) -> list[dict]:
        listed = self.staff.get("/api/v1/transfer/transfers", params={"limit": 200}).json()
        return [self.transfer(t["id"]) for t in listed if t["certno"] == certno[:6] + "*" * 8 + certno[-4:]]

    def completed(self, transfer_id: str, timeout: float = 120.0) -> dict:
        return dict(
            wait_for(
                f"transfer {transfer_id} in {self.code} completed",
                lambda: (t := self.transfer(transfer_id))["status"] in ("completed", "rejected") and t,
                timeout,
            )
        )

    def person(self, certno: str, name: str) -> httpx.Client:
        """The person with a 医保电子凭证 of this deployment's development issuer."""
        token = httpx.post(
            self.stack.cfg.url("devissuer") + "/ecredential-token",
            json={"certno": certno, "name": name, "region": self.code},
        ).json()["access_token"]
        return httpx.Client(base_url=self.url(), headers={"authorization": f"Bearer {token}"}, timeout=30)


def staff_client(stack: Stack) -> httpx.Client:
    token = httpx.post(stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": "demo-admin"}).json()
    return httpx.Client(
        base_url=stack.cfg.url("gateway"), headers={"authorization": f"Bearer {token['access_token']}"}, timeout=30
    )


@pytest.fixture(scope="module")
def regions(stack: Stack, stack_370700: Stack) -> Iterator[tuple[Region, Region]]:
    """The two deployments trusting each other: each gateway knows the other's key, each transfer service the
    other's gateway and key; one unit in each region to enrol people at."""
    chenzhou, weifang = (
        Region("431000", stack, staff_client(stack)),
        Region("370700", stack_370700, staff_client(stack_370700)),
    )
    own = {}
    for region in (chenzhou, weifang):
        response = region.staff.get("/api/v1/transfer/partners/self")
        assert response.status_code == 200, response.text
        own[region.code] = response.json()
    for region, other in ((chenzhou, weifang), (weifang, chenzhou)):
        pem = own[other.code]["public_key_pem"].encode()
        asyncio.run(
            upsert_partner(
                region.stack.cfg.database_url("gateway"),
                admdvs=other.code,
                name=NAMES[other.code],
                base_url=other.url(),
                public_keys_pem=[pem],
            )
        )
        trusted = region.staff.put(
            f"/api/v1/transfer/partners/{other.code}",
            json={"name": NAMES[other.code], "base_url": other.url(), "jwks": own[other.code]["jwks"]},
        )
        assert trusted.status_code == 200, trusted.text
        region.uscc = new_uscc(region.code)
        unit = {
            "uscc": region.uscc,
            "name": f"{region.code}转移接续测试有限公司",
            "address": "示例路1号",
            "legal_rep_name": "张三",
            "legal_rep_phone": "0735-2221234",
            "legal_rep_certno": "11010519491231002X",
            "handler_name": "李四",
            "handler_mobile": "13800138000",
            "insured_products": ["employee_medical"],
        }
        region.done("/unit-registrations", {"form": unit, "materials": UNIT_MATERIALS})
    try:
        yield chenzhou, weifang
    finally:
        chenzhou.staff.close()
        weifang.staff.close()


def apply_in(destination: Region, certno: str, name: str, origin: str) -> dict:
    """转移接续手续办理 at the 转入地 (once its transfer service has learnt of the enrolment there)."""
    body = {
        "certno": certno,
        "name": name,
        "phone": "13800138000",
        "household_type": "non_agricultural",
        "origin_region": origin,
        "materials": ["id_document", "insurance_certificate"],
    }

    def attempt():
        response = destination.staff.post("/api/v1/transfer/transfers/inbound", json=body)
        if response.status_code == 422 and response.json()["code"] == "not_enrolled_here":
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return dict(wait_for("the enrolment to reach the transfer service", attempt, timeout=30))


def pdf_text(region: Region, case_no: str, document_id: str, client: httpx.Client | None = None) -> str:
    response = (client or region.staff).get(
        f"/api/v1/transfer/cases/{case_no}/documents/{document_id}", params={"format": "pdf"}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", response.text
    return "".join("".join(page.extract_text().split()) for page in PdfReader(BytesIO(response.content)).pages)


def moved(origin: Region, destination: Region, certno: str, amount: Decimal) -> None:
    """The money left the 转出地's ledger and arrived in the 转入地's, to the fen."""
    out_ledger, in_ledger = origin.ledger(certno), destination.ledger(certno)
    assert Decimal(out_ledger["account"]["balance"]) == 0
    debit = out_ledger["entries"][0]
    assert (debit["direction"], debit["reason"], Decimal(debit["amount"])) == ("debit", "transfer_out", amount)
    credit = in_ledger["entries"][0]
    assert (credit["direction"], credit["reason"], Decimal(credit["amount"])) == ("credit", "transfer_in", amount)
    assert credit["reference"] == debit["reference"]  # both name the same 联系函


def test_a_person_moves_from_weifang_to_chenzhou_applied_for_at_chenzhou(regions):
    chenzhou, weifang = regions
    # two agencies share no broker: each deployment's events stay on its own
    assert chenzhou.stack.cfg.amqp_url != weifang.stack.cfg.amqp_url and not weifang.stack.cfg.bus_prefix
    assert not set(chenzhou.stack.cfg.database_url("transfer").rsplit("/", 1)[1:]) & set(
        weifang.stack.cfg.database_url("transfer").rsplit("/", 1)[1:]
    )
    certno, name, amount = new_certno(), "张两地", Decimal("1234.56")
    weifang.enrol(certno, name, balance=amount, stop=True)
    chenzhou.enrol(certno, name)
    applied = apply_in(chenzhou, certno, name, "370700")
    assert applied["transfer"]["status"] == "letter_issued" and applied["case"]["status"] == "in_review"
    done = chenzhou.completed(applied["transfer"]["id"])
    assert done["status"] == "completed" and Decimal(done["amount"]) == amount
    assert {c["clock"] for c in done["clocks"]} == {"letter", "completion", "overall"}
    assert all(c["completed_on"] for c in done["clocks"]) and not done["overdue"]
    moved(weifang, chenzhou, certno, amount)
    # the months brought in count in maternity's coverage at the 转入地 too, for 310 and for 510
    [row] = done["info_table"]["periods"]

    def covered(insutype: str) -> dict | None:
        response = chenzhou.staff.get(
            f"/api/v1/maternity/coverage/{certno}", params={"insutype": insutype, "on": str(date.today())}
        )
        return response.json() if response.status_code == 200 and response.json()["transferred_periods"] else None

    for insutype in ("310", "510"):
        coverage = wait_for(
            f"maternity to count the months brought in ({insutype})", lambda kind=insutype: covered(kind)
        )
        assert coverage["transferred_periods"] == [
            {
                "start": row["start_month"],
                "end": row["end_month"],
                "months": row["months"],
                "admdvs": "370700",
                "letter_no": done["letter_no"],
            }
        ]
        assert coverage["transferred_months"] == coverage["cumulative_months"] == row["months"]
    [outbound] = wait_for(
        "the 转出地 to be done", lambda: [t for t in weifang.transfers_of(certno) if t["status"] == "completed"]
    )
    assert outbound["letter_no"] == done["letter_no"] and Decimal(outbound["amount"]) == amount
    # the applicant follows the transfer in both regions, and reads the documents
    with chenzhou.person(certno, name) as me_here, weifang.person(certno, name) as me_there:
        [case_here] = me_here.get("/api/v1/transfer/cases").json()
        [case_there] = me_there.get("/api/v1/transfer/cases").json()
        assert case_here["progress"] == case_there["progress"] == "已办结"
        table = next(d for d in case_here["documents"] if d["form"] == "样表16")
        text = pdf_text(chenzhou, case_here["case_no"], table["id"], me_here)
        assert "壹仟贰佰叁拾肆元伍角陆分" in text and "￥1234.56" in text and certno in text
        letter = next(d for d in case_there["documents"] if d["form"] == "样表15")
        text = pdf_text(weifang, case_there["case_no"], letter["id"], me_there)
        assert (
            f"郴州市{done['letter_no'][6:10]}年第{done['letter_no'][10:]}号" in text
            and "潍坊市医疗保障服务中心" in text
        )


def test_a_person_moves_from_chenzhou_to_weifang_applied_for_at_chenzhou_with_a_certificate(regions):
    chenzhou, weifang = regions
    certno, name, amount = new_certno(), "李回鲁", Decimal("2000.10")
    chenzhou.enrol(certno, name, balance=amount, stop=True)
    weifang.enrol(certno, name)
    body = {
        "certno": certno,
        "name": name,
        "household_type": "agricultural",
        "household_place": "山东省潍坊市",
        "destination_region": "370700",
        "materials": ["id_document"],
    }

    def attempt():
        response = chenzhou.staff.post("/api/v1/transfer/transfers/outbound", json=body)
        if response.status_code in (404, 422) and response.json()["code"] in ("person_not_found", "not_suspended"):
            return None  # the 停保 has not reached the transfer service yet
        assert response.status_code == 201, response.text
        return response.json()

    applied = wait_for("the 停保 to reach the transfer service", attempt, timeout=30)
    assert applied["transfer"]["status"] == "requested"
    certificate = next(d for d in applied["case"]["documents"] if d["form"] == "样表14")
    text = pdf_text(chenzhou, applied["case"]["case_no"], certificate["id"])
    assert "贰仟元壹角" in text and "起2020年01月止2026年10月" in text
    done = chenzhou.completed(applied["transfer"]["id"])
    assert done["status"] == "completed" and Decimal(done["amount"]) == amount
    [inbound] = wait_for(
        "the 转入地 to complete", lambda: [t for t in weifang.transfers_of(certno) if t["status"] == "completed"]
    )
    assert inbound["certificate_no"] == applied["transfer"]["certificate_no"]
    moved(chenzhou, weifang, certno, amount)


def test_the_letter_waits_while_the_transfer_out_region_is_stopped_and_goes_when_it_is_started(regions):
    chenzhou, weifang = regions
    certno, name, amount = new_certno(), "王停机", Decimal("77.70")
    weifang.enrol(certno, name, balance=amount, stop=True)
    chenzhou.enrol(certno, name)
    weifang.stack.stop()
    try:
        applied = apply_in(chenzhou, certno, name, "370700")
        waiting = wait_for(
            "a few failed attempts",
            lambda: (t := chenzhou.transfer(applied["transfer"]["id"]))["messages"][0]["attempts"] >= 3 and t,
            timeout=60,
        )
        assert waiting["status"] == "letter_issued"
        [letter] = waiting["messages"]
        assert letter["kind"] == "letter" and letter["delivered_at"] is None and letter["last_error"]
    finally:
        weifang.stack.start(timeout=120)
    done = chenzhou.completed(applied["transfer"]["id"], timeout=180)
    assert done["status"] == "completed"
    moved(weifang, chenzhou, certno, amount)


def post_as(sender: Region, receiver: Region, kind: str, document: str) -> httpx.Response:
    """A partner request to ``receiver``'s gateway, signed with ``sender``'s region key."""
    client = PartnerClient(RegionSigner(sender.code, sender.region_key()))

    async def send() -> httpx.Response:
        try:
            return await client.request(
                "POST",
                partner=receiver.code,
                base_url=receiver.url(),
                path="/api/v1/transfer/partner/messages",
                json_body={"kind": kind, "document": document},
            )
        finally:
            await client.aclose()

    return asyncio.run(send())


def tamper(jws: str, change: dict) -> str:
    header, payload, signature = jws.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["doc"] |= change
    return ".".join([header, base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode(), signature])


def test_a_duplicate_letter_is_handled_once_and_a_tampered_table_is_refused(regions):
    chenzhou, weifang = regions
    certno, name, amount = new_certno(), "赵重发", Decimal("300.00")
    weifang.enrol(certno, name, balance=amount, stop=True)
    chenzhou.enrol(certno, name)
    applied = apply_in(chenzhou, certno, name, "370700")
    done = chenzhou.completed(applied["transfer"]["id"])
    letter = chenzhou.staff.get(f"/api/v1/transfer/transfers/{done['id']}/signed/letter").json()["jws"]
    again = post_as(chenzhou, weifang, "letter", letter)
    assert again.status_code == 200 and again.json()["duplicate"] is True, again.text
    [outbound] = weifang.transfers_of(certno)
    assert outbound["status"] == "completed"
    table = weifang.staff.get(f"/api/v1/transfer/transfers/{outbound['id']}/signed/info_table").json()["jws"]
    richer = post_as(weifang, chenzhou, "info_table", tamper(table, {"transferred_amount": "30000.00"}))
    assert richer.status_code == 422 and richer.json()["code"] == "invalid_document_signature", richer.text
    impostor, _ = generate_ed25519_keypair()
    forged = RegionSigner("370700", impostor).sign_document(outbound["info_table"])
    refused = post_as(weifang, chenzhou, "info_table", forged)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_document_signature"
    # a request signed with a key the gateway does not know does not even reach the service
    stranger = Region("370700", weifang.stack, weifang.staff)
    stranger.region_key = lambda: impostor  # type: ignore[method-assign]
    response = post_as(stranger, chenzhou, "info_table", table)
    assert response.status_code == 401
    assert chenzhou.transfer(done["id"])["status"] == "completed"
    moved(weifang, chenzhou, certno, amount)  # one debit, one credit: nothing moved twice


def test_money_is_conserved_to_the_fen_over_many_transfers(regions):
    chenzhou, weifang = regions
    people = {new_certno(): Decimal(random.randrange(1, 1_000_000)) / 100 for _ in range(6)}
    for n, (certno, amount) in enumerate(people.items()):
        weifang.enrol(certno, f"多人{n}", balance=amount, stop=True)
        chenzhou.enrol(certno, f"多人{n}")
    applied = [apply_in(chenzhou, certno, f"多人{n}", "370700")["transfer"]["id"] for n, certno in enumerate(people)]
    for transfer_id in applied:
        assert chenzhou.completed(transfer_id)["status"] == "completed"
    debited = sum((Decimal(weifang.ledger(c)["entries"][0]["amount"]) for c in people), Decimal("0"))
    credited = sum((Decimal(chenzhou.ledger(c)["entries"][0]["amount"]) for c in people), Decimal("0"))
    assert debited == credited == sum(people.values(), Decimal("0"))
    for certno in people:
        assert Decimal(weifang.ledger(certno)["account"]["balance"]) == 0


def resign(sender: Region, jws: str, change: dict) -> str:
    """``jws``'s document with ``change``, signed anew with ``sender``'s own region key (a genuine signature)."""
    payload = jws.split(".")[1]
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["doc"] | change
    return RegionSigner(sender.code, sender.region_key()).sign_document(document)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem = dict(response.json())
    assert problem["code"] == code, problem
    assert any("\u4e00" <= c <= "\u9fff" for c in problem["title"] + problem.get("detail", "")), problem
    return problem


def partner_directory(region: Region, other: Region, base_url: str) -> None:
    """``region``'s transfer service sends ``other``'s documents to ``base_url`` (keys unchanged)."""
    jwks = other.staff.get("/api/v1/transfer/partners/self").json()["jwks"]
    response = region.staff.put(
        f"/api/v1/transfer/partners/{other.code}",
        json={"name": NAMES[other.code], "base_url": base_url, "jwks": jwks},
    )
    assert response.status_code == 200, response.text


def test_the_origin_takes_back_a_table_the_destination_refuses_and_credits_the_money_back(regions):
    """收回 (take-back) through the gateways: 郴州's directory holds a wrong key for 潍坊 (a rotation not registered
    yet), so 郴州's partner API refuses 潍坊's 信息表 and money advice (4xx) and no signed refusal will ever come back;
    潍坊 staff take them back, registration credits the account and restores the 停保 enrolment, the case ends with
    the reason; nothing reached 郴州 and no fen is lost."""
    chenzhou, weifang = regions
    certno, name, amount = new_certno(), "孙收回", Decimal("88.80")
    weifang.enrol(certno, name, balance=amount, stop=True)
    chenzhou.enrol(certno, name)
    wrong = chenzhou.staff.get("/api/v1/transfer/partners/self").json()["jwks"]  # 郴州's own key, not 潍坊's
    entry = {"name": NAMES[weifang.code], "base_url": weifang.url(), "jwks": wrong}
    assert chenzhou.staff.put(f"/api/v1/transfer/partners/{weifang.code}", json=entry).status_code == 200
    try:
        applied = apply_in(chenzhou, certno, name, "370700")
        transfer_id = applied["transfer"]["id"]

        def table_refused() -> dict | None:
            for t in weifang.transfers_of(certno):
                if any(m["kind"] == "info_table" and m["refused_at"] for m in t["messages"]):
                    return t
            return None

        outbound = wait_for("郴州 to refuse 潍坊's 信息表", table_refused, timeout=60)
        assert outbound["status"] == "table_issued" and Decimal(outbound["amount"]) == amount
        assert 400 <= outbound["partner_problem"]["status"] < 500

        take_back = f"/api/v1/transfer/transfers/{outbound['id']}/take-back"
        assert weifang.staff.post(take_back, json={"detail": "x"}).status_code == 422
        elsewhere = chenzhou.staff.post(f"/api/v1/transfer/transfers/{transfer_id}/take-back", json={"detail": "收回"})
        assert_problem(elsewhere, 409, "take_back_not_allowed")  # 郴州 is the 转入地: nothing of its own to take back
        taken = weifang.staff.post(take_back, json={"detail": "转入地密钥已更换，待其登记后另行申请"})
        assert taken.status_code == 200, taken.text
        assert taken.json()["status"] in ("returning", "returned")
        assert taken.json()["rejection_code"] == "destination_refused"

        returned = wait_for(
            "潍坊 to credit the money back",
            lambda: (t := weifang.transfer(outbound["id"]))["status"] == "returned" and t,
            timeout=60,
        )
        assert Decimal(returned["returned_amount"]) == amount
        money_documents = [m for m in returned["messages"] if m["kind"] in ("info_table", "remittance")]
        assert len(money_documents) == 2 and all(m["delivered_at"] is None and m["refused_at"] for m in money_documents)
        assert_problem(weifang.staff.post(take_back, json={"detail": "再次收回"}), 409, "illegal_transfer_transition")
        ledger = weifang.ledger(certno)
        assert Decimal(ledger["account"]["balance"]) == amount
        debited = sum((Decimal(e["amount"]) for e in ledger["entries"] if e["reason"] == "transfer_out"), Decimal("0"))
        credited_back = sum(
            (Decimal(e["amount"]) for e in ledger["entries"] if e["reason"] == "transfer_return"), Decimal("0")
        )
        assert debited == credited_back == amount
        record = weifang.staff.post("/api/v1/registration/insurance-info/persons", json={"certno": certno})
        assert [e["status"] for e in record.json()["enrolments"]] == ["suspended"]
        with weifang.person(certno, name) as me_there:
            [case_there] = me_there.get("/api/v1/transfer/cases").json()
        assert case_there["outcome"] == "rejected" and "转入地拒收" in case_there["result"]["reason"]
        assert any(d["form"] == "收回通知" for d in case_there["documents"])

        # 郴州 is sent a 不予办理 of its letter, refused while it distrusts 潍坊; with the key right, staff resend it
        def rejection_refused() -> dict | None:
            seen = weifang.transfer(outbound["id"])["messages"]
            return next((m for m in seen if m["kind"] == "rejection" and m["refused_at"]), None)

        rejection = wait_for("郴州 to refuse the 不予办理 too", rejection_refused, timeout=60)
        assert chenzhou.transfer(transfer_id)["status"] == "letter_sent"
        partner_directory(chenzhou, weifang, weifang.url())
        table_id = next(m["id"] for m in money_documents if m["kind"] == "info_table")
        resend = f"/api/v1/transfer/transfers/{outbound['id']}/messages"
        assert_problem(weifang.staff.post(f"{resend}/{table_id}/resend"), 409, "transfer_taken_back")
        resent = weifang.staff.post(f"{resend}/{rejection['id']}/resend")
        assert resent.status_code == 200, resent.text
        closed = wait_for(
            "郴州's transfer to end",
            lambda: (t := chenzhou.transfer(transfer_id))["status"] == "rejected" and t,
            timeout=60,
        )
        assert "转出地已收回" in closed["rejection_detail"]
        with chenzhou.person(certno, name) as me_here:
            [case_here] = me_here.get("/api/v1/transfer/cases").json()
        assert case_here["outcome"] == "rejected" and "转出地已收回" in case_here["result"]["reason"]
    finally:
        partner_directory(chenzhou, weifang, weifang.url())


def test_staff_send_back_a_mismatched_table_and_the_origin_credits_the_money_back(regions):
    """送回 (send-back) and 重新发送 (resend) through the gateways: 郴州 staff refuse a 信息表 whose amount does not
    match the money that came with it; 潍坊 gets the signed refusal, credits the debit back and restores the
    enrolment; the applicant's case at 郴州 is rejected with a one-time notice; no fen is lost."""
    chenzhou, weifang = regions
    certno, name, amount = new_certno(), "钱退回", Decimal("456.78")
    weifang.enrol(certno, name, balance=amount, stop=True)
    chenzhou.enrol(certno, name)
    # 潍坊's documents for 郴州 cannot leave for a while (a wrong address in its directory): they wait, retried
    partner_directory(weifang, chenzhou, "http://127.0.0.1:9")
    try:
        applied = apply_in(chenzhou, certno, name, "370700")
        transfer_id, case_no = applied["transfer"]["id"], applied["case"]["case_no"]
        outbound = wait_for(
            "潍坊 to debit the account and issue the table",
            lambda: [t for t in weifang.transfers_of(certno) if {m["kind"] for m in t["messages"]} >= {"info_table"}],
            timeout=60,
        )[0]
        assert outbound["status"] == "table_issued" and Decimal(outbound["amount"]) == amount
        assert all(m["delivered_at"] is None for m in outbound["messages"])

        # nothing received at 郴州 yet: nothing to send back (409); a role without 审核 may not (403); bad input 422
        staff = chenzhou.staff
        send_back = f"/api/v1/transfer/transfers/{transfer_id}/send-back"
        body = {"reason": "fund_mismatch", "detail": "到账资金与《信息表》实际转出资金不符"}
        early = assert_problem(staff.post(send_back, json=body), 409, "illegal_transfer_transition")
        assert "联系函已发出" in early["detail"]
        assert chenzhou.transfer(transfer_id)["status"] == "letter_sent"
        assert staff.put(
            "/api/v1/admin/staff/transfer-intake-only", json={"name": "只受理", "roles": ["intake"]}
        ).is_success
        token = httpx.post(
            chenzhou.stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": "transfer-intake-only"}
        ).json()["access_token"]
        with httpx.Client(base_url=chenzhou.url(), headers={"authorization": f"Bearer {token}"}, timeout=30) as intake:
            assert_problem(intake.post(send_back, json=body), 403, "role_required")
            letter_id = next(m["id"] for m in chenzhou.transfer(transfer_id)["messages"] if m["kind"] == "letter")
            resend_letter = f"/api/v1/transfer/transfers/{transfer_id}/messages/{letter_id}/resend"
            assert_problem(intake.post(resend_letter), 403, "role_required")
        assert staff.post(send_back, json={"reason": "bored", "detail": "x"}).status_code == 422

        # the table arrives saying more than the money that arrives with it: 基金匹配不符
        table = weifang.staff.get(f"/api/v1/transfer/transfers/{outbound['id']}/signed/info_table").json()["jws"]
        money = weifang.staff.get(f"/api/v1/transfer/transfers/{outbound['id']}/signed/remittance").json()["jws"]
        richer = resign(weifang, table, {"transferred_amount": str(amount + 100)})
        assert post_as(weifang, chenzhou, "info_table", richer).status_code == 200
        assert post_as(weifang, chenzhou, "remittance", money).status_code == 200
        mismatched = chenzhou.transfer(transfer_id)
        assert mismatched["status"] == "mismatched" and any("不符" in p for p in mismatched["mismatch"])

        sent_back = staff.post(send_back, json=body)
        assert sent_back.status_code == 200, sent_back.text
        assert sent_back.json()["status"] == "sent_back" and Decimal(sent_back.json()["returned_amount"]) == amount
        assert_problem(staff.post(send_back, json=body), 409, "illegal_transfer_transition")  # once is enough

        # 潍坊: the signed refusal arrives, registration credits the debit back and restores the 停保 enrolment
        returned = wait_for(
            "潍坊 to credit the money back",
            lambda: (t := weifang.transfer(outbound["id"]))["status"] == "returned" and t,
            timeout=60,
        )
        assert Decimal(returned["returned_amount"]) == amount and returned["rejection_code"] == "fund_mismatch"
        ledger = weifang.ledger(certno)
        assert Decimal(ledger["account"]["balance"]) == amount
        debited = sum((Decimal(e["amount"]) for e in ledger["entries"] if e["reason"] == "transfer_out"), Decimal("0"))
        credited_back = sum(
            (Decimal(e["amount"]) for e in ledger["entries"] if e["reason"] == "transfer_return"), Decimal("0")
        )
        here = chenzhou.staff.get(f"/api/v1/registration/accounts/{certno}")  # 郴州 opened no account: no credit
        assert here.status_code == 404 and here.json()["code"] == "account_not_found", here.text
        credited_elsewhere = Decimal("0")
        assert debited == credited_back == amount and debited - credited_back == credited_elsewhere == 0
        record = weifang.staff.post("/api/v1/registration/insurance-info/persons", json={"certno": certno})
        assert record.status_code == 200, record.text
        assert [e["status"] for e in record.json()["enrolments"]] == ["suspended"]
        with weifang.person(certno, name) as me_there:
            [case_there] = me_there.get("/api/v1/transfer/cases").json()
            assert any(d["form"] == "退回通知" for d in case_there["documents"])

        # 郴州: the applicant's case is rejected with a one-time notice
        with chenzhou.person(certno, name) as me_here:
            [case_here] = me_here.get("/api/v1/transfer/cases").json()
        assert case_here["case_no"] == case_no and case_here["outcome"] == "rejected"
        assert "到账资金" in case_here["result"]["reason"]
        assert any(d["kind"] == "notice" for d in case_here["documents"])

        # resend: a delivered document is not sent again (409), an unknown one is 404
        delivered = staff.post(f"/api/v1/transfer/transfers/{transfer_id}/messages/{letter_id}/resend")
        assert_problem(delivered, 409, "partner_message_delivered")
        unknown = staff.post(f"/api/v1/transfer/transfers/{transfer_id}/messages/{uuid.uuid4()}/resend")
        assert_problem(unknown, 404, "partner_message_not_found")
    finally:
        partner_directory(weifang, chenzhou, chenzhou.url())
    # 潍坊's own documents, waiting all along, go now when staff resend them: the money advice is the one 郴州
    # already has (a duplicate), the true table differs from what 郴州 holds under its number (refused, for staff)
    # (one may have gone by itself meanwhile, at its next retry)
    for message in weifang.transfer(outbound["id"])["messages"]:
        if message["delivered_at"] is None:
            again = weifang.staff.post(f"/api/v1/transfer/transfers/{outbound['id']}/messages/{message['id']}/resend")
            # (or is going by itself this very moment: 409 partner_message_sending, the sender holds it)
            going = ("partner_message_delivered", "partner_message_sending")
            assert again.status_code == 200 or again.json()["code"] in going, again.text

    def all_answered() -> dict | None:
        seen = weifang.transfer(outbound["id"])
        return seen if all(m["delivered_at"] or m["refused_at"] for m in seen["messages"]) else None

    answered = wait_for("潍坊's waiting documents to be answered", all_answered, timeout=60)
    outcome = {m["kind"]: (m["delivered_at"] is not None, m["refused_at"] is not None) for m in answered["messages"]}
    assert outcome["remittance"] == (True, False) and outcome["info_table"] == (False, True)
    assert answered["status"] == "returned" and answered["partner_problem"]["status"] == 409
    assert chenzhou.transfer(transfer_id)["status"] == "sent_back"
