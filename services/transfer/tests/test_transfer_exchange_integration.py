"""Two regions' transfer services on real PostgreSQL: documents both ways, a partner that is down,
duplicates, tampering, rejections, and the money moved to the fen."""

import base64
import json
import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from medins.cases.domain import CaseAction
from medins.cases.tables import case_document, case_record, case_stage_clock
from medins.identity import generate_ed25519_keypair
from medins.partners import RegionSigner
from transfer.partner.models import PartnerMessage, PartnerRegion
from transfer.partner.outbox import backoff
from transfer.persons.service import NotSuspended
from transfer.transfers import applications, delivery, inbound
from transfer.transfers.documents import sex_of

from .conftest import enrol, new_certno, registration_merges, registration_prepares, staff

pytestmark = pytest.mark.integration


def person(certno: str, name: str) -> dict:
    return {
        "certno": certno,
        "name": name,
        "sex": sex_of(certno),
        "phone": "13800138000",
        "household_type": "non_agricultural",
        "household_place": "湖南省郴州市北湖区",
        "current_insutype": "310",
        "transfer_account": True,
        "certificate_no": None,
    }


async def apply_in(side, certno: str, name: str, origin: str):
    async with side.uow() as uow:
        transfer, case = await inbound.apply(
            uow,
            side.ctx,
            person=person(certno, name),
            origin=origin,
            channel="window",
            materials=["id_document", "insurance_certificate"],
            actor=staff(side.region),
        )
        await uow.commit()
    return transfer, case


async def case_of(side, case_no: str):
    async with side.sessionmaker() as session:
        case = (await session.execute(select(case_record).where(case_record.c.case_no == case_no))).mappings().one()
        documents = (
            await session.execute(
                select(case_document.c.form, case_document.c.kind, case_document.c.body).where(
                    case_document.c.case_id == case["id"]
                )
            )
        ).all()
        clocks = (
            (await session.execute(select(case_stage_clock).where(case_stage_clock.c.case_id == case["id"])))
            .mappings()
            .all()
        )
    return case, documents, {c["stage"]: c for c in clocks}


async def move_person(chenzhou, weifang, certno: str, name: str, amount: Decimal):
    """Weifang → Chenzhou, applied for at Chenzhou; returns both transfers once the exchange has settled."""
    await enrol(chenzhou, certno, name, start=date(2026, 11, 1))
    await enrol(weifang, certno, name, start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=amount)
    transfer, _ = await apply_in(chenzhou, certno, name, "370700")
    await chenzhou.flush()
    await registration_prepares(weifang, amount=amount)
    await weifang.flush()
    credited = await registration_merges(chenzhou)
    return transfer, credited


async def test_a_person_moves_to_chenzhou_with_the_letter_the_table_and_the_money_to_the_fen(regions):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    _, credited = await move_person(chenzhou, weifang, certno, "张转入", Decimal("1234.56"))
    assert credited == [Decimal("1234.56")]
    [inbound_row] = await chenzhou.transfers(certno=certno)
    [outbound_row] = await weifang.transfers(certno=certno)
    assert inbound_row.status == outbound_row.status == "completed"
    assert inbound_row.letter_no == outbound_row.letter_no and inbound_row.letter_no.startswith("4310002026")
    assert inbound_row.amount == outbound_row.amount == Decimal("1234.56")
    # 转入地: receipt, the letter it issued, the table it received; every clock stopped; case 已办结
    case, documents, clocks = await case_of(chenzhou, inbound_row.case_no)
    assert case["status"] == "completed" and case["outcome"] == "approved"
    assert {(form, kind) for form, kind, _ in documents} >= {
        ("B.7", "receipt"),
        ("样表15", "letter"),
        ("样表16", "info_table"),
    }
    assert set(clocks) == {"letter", "completion"} and all(c["completed_on"] for c in clocks.values())
    assert case["result"]["amount"] == "1234.56"
    table = next(body for form, _, body in documents if form == "样表16")
    amount_line = next(f["value"] for f in table["fields"] if f["key"] == "transferred_amount")
    assert amount_line == "（大写）壹仟贰佰叁拾肆元伍角陆分（小写）￥1234.56"
    # 转出地: its own case with the letter it received and the table it issued; the 10-day stage done
    out_case, out_documents, out_clocks = await case_of(weifang, outbound_row.case_no)
    assert out_case["status"] == "completed"
    assert {form for form, _, _ in out_documents} >= {"样表15", "样表16"}
    assert out_clocks["info_table"]["completed_on"] is not None
    # ruling 1: the overall clock at the 转出地 runs from the acceptance at the 转入地
    assert out_case["deadline"] == case["deadline"]
    completed = await chenzhou.events("transfer.inbound.completed.v1")
    assert [e["data"]["amount"] for e in completed] == ["1234.56"]


async def test_the_letter_waits_while_the_transfer_out_region_is_down_and_goes_when_it_is_back(regions):
    chenzhou, weifang, network = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "李等待", start=date(2026, 11, 1))
    await enrol(weifang, certno, "李等待", start=date(2019, 1, 1), stopped=date(2026, 11, 1), balance=Decimal("88.80"))
    network.down.add("370700")
    await apply_in(chenzhou, certno, "李等待", "370700")
    for _ in range(3):
        await chenzhou.flush()
    async with chenzhou.sessionmaker() as session:
        [message] = (await session.scalars(select(PartnerMessage))).all()
    assert message.kind == "letter" and message.delivered_at is None and message.attempts == 3
    assert "ConnectError" in message.last_error
    [waiting] = await chenzhou.transfers(certno=certno)
    assert waiting.status == "letter_issued" and await weifang.transfers(certno=certno) == []
    network.down.clear()
    await chenzhou.flush()
    [delivered] = await chenzhou.transfers(certno=certno)
    assert delivered.status == "letter_sent"
    [arrived] = await weifang.transfers(certno=certno)
    assert arrived.status == "letter_received" and arrived.letter_no == delivered.letter_no
    # and while the 转入地 is down, the table and the money wait at the 转出地 in their turn
    network.down.add("431000")
    await registration_prepares(weifang, amount=Decimal("88.80"))
    await weifang.flush()
    assert (await weifang.transfers(certno=certno))[0].status == "table_issued"
    network.down.clear()
    await weifang.flush()
    assert (await weifang.transfers(certno=certno))[0].status == "completed"
    assert await registration_merges(chenzhou) == [Decimal("88.80")]
    assert (await chenzhou.transfers(certno=certno))[0].status == "completed"


async def test_a_letter_received_twice_is_handled_once(regions):
    chenzhou, weifang, network = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "王重复", start=date(2026, 11, 1))
    await enrol(weifang, certno, "王重复", start=date(2019, 1, 1), stopped=date(2026, 11, 1))
    await apply_in(chenzhou, certno, "王重复", "370700")
    await chenzhou.flush()
    [sent] = await chenzhou.transfers(certno=certno)
    again = await network.post(weifang, "431000", "letter", sent.letter_jws)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(await weifang.transfers(certno=certno)) == 1
    assert len(await weifang.events("transfer.outbound.requested.v1")) == 1
    # the same number with other content is not a duplicate: it is refused
    other = RegionSigner("431000", chenzhou.private_pem).sign_document(sent.letter | {"phone": "13900000000"})
    reused = await network.post(weifang, "431000", "letter", other)
    assert reused.status_code == 409 and reused.json()["code"] == "document_number_reused"


def tamper(jws: str, change: dict) -> str:
    header, payload, signature = jws.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["doc"] |= change
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_tampered_or_forged_table_is_refused_and_changes_nothing(regions):
    chenzhou, weifang, network = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "赵篡改", start=date(2026, 11, 1))
    await enrol(weifang, certno, "赵篡改", start=date(2019, 1, 1), stopped=date(2026, 11, 1))
    await apply_in(chenzhou, certno, "赵篡改", "370700")
    await chenzhou.flush()
    network.down.add("431000")  # keep the genuine table at the 转出地 for now
    await registration_prepares(weifang, amount=Decimal("500.00"))
    await weifang.flush()
    [outbound_row] = await weifang.transfers(certno=certno)
    richer = tamper(outbound_row.info_table_jws, {"transferred_amount": "50000.00"})
    refused = await network.post(chenzhou, "370700", "info_table", richer)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_document_signature"
    impostor_key, _ = generate_ed25519_keypair()
    forged = RegionSigner("370700", impostor_key).sign_document(outbound_row.info_table)
    refused = await network.post(chenzhou, "370700", "info_table", forged)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_document_signature"
    [inbound_row] = await chenzhou.transfers(certno=certno)
    assert inbound_row.status == "letter_sent" and inbound_row.info_table is None
    # the genuine one still goes through afterwards
    network.down.clear()
    await weifang.flush()
    assert await registration_merges(chenzhou) == [Decimal("500.00")]


@pytest.mark.parametrize(
    ("code", "text"),
    [("not_suspended", "参保人员在转出地尚未办理停保手续"), ("unknown_person", "转出地查无此参保人员")],
)
async def test_a_rejection_travels_back_and_becomes_a_one_time_notice(regions, code, text):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "钱拒绝", start=date(2026, 11, 1))
    await apply_in(chenzhou, certno, "钱拒绝", "370700")
    await chenzhou.flush()
    await registration_prepares(weifang, amount=Decimal("0"), refuse=code)
    await weifang.flush()
    [outbound_row] = await weifang.transfers(certno=certno)
    [inbound_row] = await chenzhou.transfers(certno=certno)
    assert outbound_row.status == inbound_row.status == "rejected"
    assert inbound_row.rejection_code == code
    case, documents, _ = await case_of(chenzhou, inbound_row.case_no)
    assert case["status"] == "completed" and case["outcome"] == "rejected" and text in case["result"]["reason"]
    notice = next(body for form, kind, body in documents if kind == "notice")
    assert notice["form"] == "A.1"
    assert text in next(f["value"] for f in notice["fields"] if f["key"] == "refusal_reason")
    assert inbound_row.amount is None and outbound_row.amount is None  # no money moved either way


async def test_an_application_at_the_transfer_out_region_gets_a_certificate_and_is_completed_at_both_ends(regions):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "孙转出", start=date(2026, 11, 1))
    await enrol(
        weifang, certno, "孙转出", start=date(2020, 3, 1), stopped=date(2026, 11, 1), balance=Decimal("3210.05")
    )
    async with weifang.uow() as uow:
        transfer, case = await applications.apply(
            uow,
            weifang.ctx,
            person=person(certno, "孙转出"),
            destination="431000",
            channel="window",
            materials=["id_document"],
            actor=staff("370700"),
        )
        await uow.commit()
    assert transfer.status == "requested" and transfer.certificate_no.startswith("3707002026")
    _, documents, _ = await case_of(weifang, case["case_no"])
    certificate = next(body for form, _, body in documents if form == "样表14")
    values = {f["key"]: f["value"] for f in certificate["fields"]}
    assert values["balance"] == "（大写）叁仟贰佰壹拾元零伍分（小写）￥3210.05"
    assert values["period"] == "起 2020年03月 止 2026年10月" and values["cumulative_months"] == "80 月"
    await weifang.flush()  # the application reaches 郴州, which accepts and issues the letter
    [inbound_row] = await chenzhou.transfers(certno=certno)
    assert inbound_row.application_no == case["case_no"] and inbound_row.certificate_no == transfer.certificate_no
    await chenzhou.flush()  # the letter reaches 潍坊 and joins the application there
    assert [t.status for t in await weifang.transfers(certno=certno)] == ["letter_received"]
    await registration_prepares(weifang, amount=Decimal("3210.05"))
    await weifang.flush()
    assert await registration_merges(chenzhou) == [Decimal("3210.05")]
    assert [t.status for t in await weifang.transfers(certno=certno)] == ["completed"]
    assert [t.status for t in await chenzhou.transfers(certno=certno)] == ["completed"]


async def test_the_transfer_in_region_refuses_an_application_for_a_person_not_enrolled_there(regions):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    await enrol(weifang, certno, "周未参保", start=date(2020, 3, 1), stopped=date(2026, 11, 1))
    async with weifang.uow() as uow:
        _, case = await applications.apply(
            uow,
            weifang.ctx,
            person=person(certno, "周未参保"),
            destination="431000",
            channel="window",
            materials=["id_document"],
            actor=staff("370700"),
        )
        await uow.commit()
    await weifang.flush()
    await chenzhou.flush()
    [outbound_row] = await weifang.transfers(certno=certno)
    assert outbound_row.status == "rejected" and outbound_row.rejection_code == "not_enrolled_at_destination"
    assert await chenzhou.transfers(certno=certno) == []
    case, _, _ = await case_of(weifang, case["case_no"])
    assert case["outcome"] == "rejected" and "尚未在转入地办理参保缴费手续" in case["result"]["reason"]


async def test_a_person_not_stopped_gets_no_certificate_and_no_transfer_out(regions):
    _, weifang, _ = regions
    certno = new_certno()
    await enrol(weifang, certno, "吴在保", start=date(2020, 3, 1))
    with pytest.raises(NotSuspended):
        async with weifang.uow() as uow:
            await applications.apply(
                uow,
                weifang.ctx,
                person=person(certno, "吴在保"),
                destination="431000",
                channel="window",
                materials=["id_document"],
                actor=staff("370700"),
            )
    assert await weifang.transfers(certno=certno) == []


async def test_money_is_conserved_to_the_fen_over_many_transfers(regions):
    chenzhou, weifang, _ = regions
    rng = random.Random(20261123)
    balances = {new_certno(date(1970, 1, 1 + n)): Decimal(rng.randrange(0, 5_000_000)) / 100 for n in range(12)}
    for n, (certno, amount) in enumerate(balances.items()):
        await enrol(chenzhou, certno, f"多人{n}", start=date(2026, 11, 1))
        await enrol(weifang, certno, f"多人{n}", start=date(2015, 1, 1), stopped=date(2026, 11, 1), balance=amount)
        await apply_in(chenzhou, certno, f"多人{n}", "370700")
    await chenzhou.flush()
    debited = sum(balances.values(), Decimal("0"))
    assert len(await registration_prepares(weifang, amount=balances)) == 12
    await weifang.flush()
    credited = await registration_merges(chenzhou)
    inbound_rows = await chenzhou.transfers(direction="inbound")
    outbound_rows = await weifang.transfers(direction="outbound")
    assert len(credited) == len(inbound_rows) == len(outbound_rows) == 12
    assert {t.status for t in inbound_rows + outbound_rows} == {"completed"}
    assert sum(credited, Decimal("0")) == debited
    assert sum((t.amount for t in outbound_rows), Decimal("0")) == debited
    assert sum((t.amount for t in inbound_rows), Decimal("0")) == debited


async def test_a_document_the_partner_refuses_is_not_sent_again_and_staff_see_why(regions):
    chenzhou, weifang, network = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "郑拒收", start=date(2026, 11, 1))
    async with weifang.uow() as uow:  # 潍坊 no longer trusts 郴州's documents
        await uow.session.execute(update(PartnerRegion).where(PartnerRegion.admdvs == "431000").values(active=False))
        await uow.commit()
    await apply_in(chenzhou, certno, "郑拒收", "370700")
    await chenzhou.flush()
    assert await chenzhou.flush() == 0  # refused: nothing is due any more
    [transfer] = await chenzhou.transfers(certno=certno)
    assert transfer.status == "letter_issued"
    assert transfer.partner_problem["kind"] == "letter" and transfer.partner_problem["status"] == 422
    assert transfer.partner_problem["problem"]["code"] == "unknown_partner_region"
    assert [status for _, kind, status in network.requests if kind == "letter"] == [422]


def test_retries_wait_longer_each_time_up_to_the_maximum():
    assert [backoff(n, 1.0, 60.0).total_seconds() for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


async def test_an_application_accepted_later_at_the_window_gets_its_letter_from_the_sweep(regions):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "冯补正", start=date(2026, 11, 1))
    async with chenzhou.uow() as uow:
        transfer, case = await inbound.apply(
            uow,
            chenzhou.ctx,
            person=person(certno, "冯补正"),
            origin="370700",
            channel="window",
            materials=["id_document"],
            actor=staff("431000"),
        )
        await uow.commit()
    assert case["status"] == "incomplete" and transfer.status == "submitted"
    async with chenzhou.uow() as uow:  # 补正 at the window, then 受理 (the generic case routes do this)
        await chenzhou.ctx.kit.act(
            uow,
            case_no=case["case_no"],
            action=CaseAction.resubmit,
            actor=staff("431000"),
            materials=["insurance_certificate"],
        )
        await chenzhou.ctx.kit.act(uow, case_no=case["case_no"], action=CaseAction.accept, actor=staff("431000"))
        await uow.commit()
    await delivery.sweep(chenzhou.sessionmaker, chenzhou.ctx)
    [issued] = await chenzhou.transfers(certno=certno)
    assert issued.status == "letter_issued" and issued.letter["handler"] == "staff-431000"
    await chenzhou.flush()
    assert [t.status for t in await weifang.transfers(certno=certno)] == ["letter_received"]
