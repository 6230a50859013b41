"""返还 between two regions on real PostgreSQL: the 转入地 refuses after the 转出地 debited the account, its signed
refusal goes back through the partner outbox once, the 转出地 has the money credited back and the enrolment
restored; staff see it and can send a refused document again; the 参保凭证 counts the recorded months."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from medins.cases.tables import case_document, case_record
from transfer.events import (
    ContributionPerson,
    ContributionRecorded,
    GapBackpaid,
    TransferInRefused,
    TransferOutReverted,
)
from transfer.partner.models import PartnerMessage, PartnerRegion, ReceivedDocument
from transfer.persons.models import EnrolmentView
from transfer.transfers import applications, returns, service, store
from transfer.transfers.domain import IllegalTransferTransition, RejectionReason

from .conftest import enrol, new_certno, registration_merges, registration_prepares, staff
from .test_transfer_exchange_integration import apply_in, case_of, person

pytestmark = pytest.mark.integration


async def registration_refuses(side) -> int:
    """Registration at the 转入地 will not continue the person: not (any longer) enrolled there."""
    refused = 0
    for envelope in await side.events("transfer.inbound.matched.v1"):
        if envelope["id"] in side.answered:
            continue
        side.answered.add(envelope["id"])
        data = envelope["data"]
        await side.handle(
            TransferInRefused(
                transfer_id=data["transfer_id"],
                letter_no=data["letter_no"],
                certno=data["certno"],
                reason="not_enrolled_at_destination",
                detail="参保人员未在转入地正常参保，不能接续",
                region=side.region,
            )
        )
        refused += 1
    return refused


async def registration_reverts(side) -> list[Decimal]:
    """Registration at the 转出地 credits back what each ``transfer.outbound.returned.v1`` asks (返还)."""
    returned = []
    for envelope in await side.events("transfer.outbound.returned.v1"):
        if envelope["id"] in side.answered:
            continue
        side.answered.add(envelope["id"])
        data = envelope["data"]
        amount = Decimal(data["amount"])
        returned.append(amount)
        await side.handle(
            TransferOutReverted(
                transfer_id=data["transfer_id"],
                letter_no=data["letter_no"],
                certno=data["certno"],
                psn_no=f"P{data['certno']}",
                name="",
                insutype="310",
                amount_credited=amount,
                restored=True,
                status="suspended",
                stopped_on=date(2026, 11, 1),
                stop_reason="suspended",
                region=side.region,
            )
        )
    return returned


async def test_a_refusal_after_the_debit_goes_back_once_and_the_origin_credits_the_money_back(regions):
    chenzhou, weifang, network = regions
    certno, amount = new_certno(), Decimal("2345.67")
    await enrol(chenzhou, certno, "冯退回", start=date(2026, 11, 1))
    await enrol(weifang, certno, "冯退回", start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=amount)
    await apply_in(chenzhou, certno, "冯退回", "370700")
    await chenzhou.flush()
    await registration_prepares(weifang, amount=amount)  # 潍坊 debits the whole balance and ends the enrolment
    await weifang.flush()  # the table and the money reach 郴州, which matches them
    [outbound_row] = await weifang.transfers(certno=certno)
    assert outbound_row.status == "completed" and outbound_row.amount == amount

    assert await registration_refuses(chenzhou) == 1  # but 郴州 cannot continue the person after all
    [inbound_row] = await chenzhou.transfers(certno=certno)
    assert inbound_row.status == "sent_back" and inbound_row.returned_amount == amount
    case, _, clocks = await case_of(chenzhou, inbound_row.case_no)
    assert case["outcome"] == "rejected" and "未在转入地正常参保" in case["result"]["reason"]
    assert clocks["completion"]["completed_on"] is not None

    await chenzhou.flush()  # the signed refusal reaches 潍坊 through the partner outbox
    [returning] = await weifang.transfers(certno=certno)
    assert returning.status == "returning" and returning.rejection_code == "not_enrolled_at_destination"
    [asked] = await weifang.events("transfer.outbound.returned.v1")
    assert asked["data"]["amount"] == "2345.67" and asked["data"]["letter_no"] == outbound_row.letter_no
    _, documents, _ = await case_of(weifang, outbound_row.case_no)
    notice = next(body for form, _, body in documents if form == "退回通知")
    values = {f["key"]: f["value"] for f in notice["fields"]}
    assert values["returned_amount"] == "2345.67" and values["letter_no"] == outbound_row.letter_no

    # the same refusal again (an answer lost on the way): handled once, nothing asked twice
    async with chenzhou.sessionmaker() as session:
        message = await session.scalar(select(PartnerMessage).where(PartnerMessage.kind == "rejection"))
    again = await network.post(weifang, "431000", "rejection", message.jws)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(await weifang.events("transfer.outbound.returned.v1")) == 1

    returned = await registration_reverts(weifang)
    [done] = await weifang.transfers(certno=certno)
    assert done.status == "returned" and done.returned_amount == amount
    async with weifang.sessionmaker() as session:
        view = await session.get(EnrolmentView, (certno, "310"))
    assert (view.status, view.stop_reason) == ("suspended", "suspended")
    # money: debited at the origin − credited back there = credited elsewhere (nothing)
    credited_elsewhere = sum(await registration_merges(chenzhou), Decimal("0"))
    assert outbound_row.amount - sum(returned, Decimal("0")) == credited_elsewhere == Decimal("0")

    # the person, enrolled properly at 郴州 now, can transfer again, and this time the money arrives
    await apply_in(chenzhou, certno, "冯退回", "370700")
    await chenzhou.flush()
    await registration_prepares(weifang, amount=amount)
    await weifang.flush()
    assert await registration_merges(chenzhou) == [amount]
    statuses = sorted(t.status for t in await weifang.transfers(certno=certno))
    assert statuses == ["completed", "returned"]


async def test_staff_send_back_a_mismatched_table_and_a_transfer_in_another_state_is_refused(regions):
    chenzhou, weifang, _ = regions
    certno, amount = new_certno(), Decimal("10.01")
    await enrol(chenzhou, certno, "陈不符", start=date(2026, 11, 1))
    await enrol(weifang, certno, "陈不符", start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=amount)
    transfer, _ = await apply_in(chenzhou, certno, "陈不符", "370700")
    with pytest.raises(IllegalTransferTransition) as early:  # nothing received yet: nothing to send back
        async with chenzhou.uow() as uow:
            row = (await chenzhou.transfers(certno=certno))[0]
            row = await uow.session.merge(row)
            await returns.send_back(uow, chenzhou.ctx, row, reason=RejectionReason.other, detail="测试")
    assert early.value.status == 409 and early.value.code == "illegal_transfer_transition"
    await chenzhou.flush()
    await registration_prepares(weifang, amount=amount)
    await weifang.flush()
    async with chenzhou.uow() as uow:  # as if 基金匹配 had found the funds and the table at odds
        await uow.session.execute(
            update(type(transfer)).where(type(transfer).id == transfer.id).values(status="mismatched")
        )
        await uow.commit()
    async with chenzhou.uow() as uow:
        row = await uow.session.get(type(transfer), transfer.id)
        await returns.send_back(
            uow, chenzhou.ctx, row, reason=RejectionReason.fund_mismatch, detail="到账金额与信息表不符"
        )
        await uow.commit()
    await chenzhou.flush()
    [returning] = await weifang.transfers(certno=certno)
    assert returning.status == "returning" and returning.rejection_code == "fund_mismatch"
    assert await registration_reverts(weifang) == [amount]


async def test_staff_resend_a_refused_document_once_the_cause_is_put_right(regions):
    chenzhou, weifang, _ = regions
    certno = new_certno()
    await enrol(chenzhou, certno, "褚重发", start=date(2026, 11, 1))
    await enrol(weifang, certno, "褚重发", start=date(2019, 1, 1), stopped=date(2026, 11, 1))
    async with weifang.uow() as uow:  # 潍坊 does not trust 郴州 for a while
        await uow.session.execute(update(PartnerRegion).where(PartnerRegion.admdvs == "431000").values(active=False))
        await uow.commit()
    transfer, _ = await apply_in(chenzhou, certno, "褚重发", "370700")
    await chenzhou.flush()
    async with chenzhou.sessionmaker() as session:
        row = await session.get(type(transfer), transfer.id)
        seen = await service.detail(session, row, date.today())
    [letter] = seen.messages
    assert letter.refused_at is not None and seen.partner_problem["status"] == 422
    async with weifang.uow() as uow:
        await uow.session.execute(update(PartnerRegion).where(PartnerRegion.admdvs == "431000").values(active=True))
        await uow.commit()
    async with chenzhou.uow() as uow:
        await service.resend(uow.session, row, letter.id)
        await uow.commit()
    await chenzhou.flush()
    [sent] = await chenzhou.transfers(certno=certno)
    assert sent.status == "letter_sent"
    async with weifang.sessionmaker() as session:
        received = (await session.scalars(select(ReceivedDocument.kind))).all()
    assert received == ["letter"]
    async with chenzhou.uow() as uow:  # a delivered document is not sent again
        with pytest.raises(service.MessageDelivered):
            await service.resend(uow.session, row, letter.id)


async def test_the_certificate_counts_the_recorded_months_and_the_enrolment_only_before_them(regions):
    _, weifang, _ = regions
    certno = new_certno()
    await enrol(weifang, certno, "卫记录", start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=Decimal("9.00"))
    paid = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-08"]
    for month in paid:  # recorded from 2025-01 to 2026-08; nothing for 2026-09 and -10
        await weifang.handle(
            ContributionRecorded(
                insutype="310", month=month, persons=[ContributionPerson(psn_no=f"P{certno}", certno=certno)]
            )
        )
    await weifang.handle(GapBackpaid(certno=certno, insutype="310", months=["2024-12"]))  # back-paid later
    async with weifang.uow() as uow:
        _, case = await applications.apply(
            uow,
            weifang.ctx,
            person=person(certno, "卫记录"),
            destination="431000",
            channel="window",
            materials=["id_document"],
            actor=staff("370700"),
        )
        await uow.commit()
    async with weifang.sessionmaker() as session:
        case_id = await session.scalar(select(case_record.c.id).where(case_record.c.case_no == case["case_no"]))
        bodies = (await session.scalars(select(case_document.c.body).where(case_document.c.case_id == case_id))).all()
    certificate = next(b for b in bodies if b["form"] == "样表14")
    values = {f["key"]: f["value"] for f in certificate["fields"]}
    # 2018-07 … 2024-11 from the enrolment (77) + 2024-12 back-paid + 20 recorded = 98, not the 100 of the dates
    assert values["cumulative_months"] == "98 月" and values["period"] == "起 2018年07月 止 2026年10月"


async def test_staff_at_the_origin_take_back_a_table_the_destination_refused_and_the_money_comes_back(regions):
    """收回: 郴州's partner API refuses 潍坊's 信息表 itself (it no longer trusts 潍坊), so no signed refusal will
    ever come back; 潍坊 staff take the table and the money back, and registration credits the account again."""
    chenzhou, weifang, network = regions
    certno, amount = new_certno(), Decimal("321.09")
    await enrol(chenzhou, certno, "卫收回", start=date(2026, 11, 1))
    await enrol(weifang, certno, "卫收回", start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=amount)
    transfer, _ = await apply_in(chenzhou, certno, "卫收回", "370700")
    await chenzhou.flush()  # the letter reaches 潍坊
    async with chenzhou.uow() as uow:  # then 郴州 stops trusting 潍坊's documents
        await uow.session.execute(update(PartnerRegion).where(PartnerRegion.admdvs == "370700").values(active=False))
        await uow.commit()
    await registration_prepares(weifang, amount=amount)  # 潍坊 debits the account and issues the table
    await weifang.flush()
    assert await weifang.flush() == 0  # refused: nothing is due any more
    [row] = await weifang.transfers(certno=certno)
    assert row.status == "table_issued" and row.amount == amount
    assert row.partner_problem["status"] == 422 and row.partner_problem["problem"]["code"] == "unknown_partner_region"
    refused = sorted(kind for _, kind, status in network.requests if status == 422)
    assert refused == ["info_table", "remittance"]

    async with weifang.uow() as uow:
        out = await uow.session.get(type(transfer), row.id)
        await returns.take_back(uow, weifang.ctx, out, detail="已与转入地电话核实，该联系函已作废")
        await uow.commit()
    [returning] = await weifang.transfers(certno=certno)
    assert returning.status == "returning" and returning.rejection_code == "destination_refused"
    assert "转入地拒收" in returning.rejection_detail and "该联系函已作废" in returning.rejection_detail
    [asked] = await weifang.events("transfer.outbound.returned.v1")
    assert asked["data"]["amount"] == "321.09" and asked["data"]["reason"] == "destination_refused"
    case, documents, clocks = await case_of(weifang, row.case_no)
    assert case["outcome"] == "rejected" and "321.09 元退回原账户" in case["result"]["reason"]
    assert clocks["info_table"]["completed_on"] is not None
    notice = next(body for form, _, body in documents if form == "收回通知")
    values = {f["key"]: f["value"] for f in notice["fields"]}
    assert values["returned_amount"] == "321.09" and values["letter_no"] == row.letter_no

    assert await registration_reverts(weifang) == [amount]
    [done] = await weifang.transfers(certno=certno)
    assert done.status == "returned" and done.returned_amount == amount
    # 郴州 is told by a signed 不予办理 of its letter; while it distrusts 潍坊 that is refused too
    await weifang.flush()
    async with weifang.sessionmaker() as session:
        messages = {
            m.kind: m for m in await session.scalars(select(PartnerMessage).where(PartnerMessage.transfer_id == row.id))
        }
    assert set(messages) == {"info_table", "remittance", "rejection"} and messages["rejection"].refused_at is not None
    # the table and the funds never go out again, and a second take-back is refused
    async with weifang.uow() as uow:
        with pytest.raises(service.TransferTakenBack):
            await service.resend(uow.session, done, messages["info_table"].id)
        with pytest.raises(IllegalTransferTransition):
            await returns.take_back(uow, weifang.ctx, await uow.session.get(type(transfer), row.id), detail="再次收回")
    [inbound] = await chenzhou.transfers(certno=certno)
    assert inbound.status == "letter_sent"
    # once 郴州 trusts 潍坊 again, staff resend the 不予办理: 郴州's transfer and case end with it
    async with chenzhou.uow() as uow:
        await uow.session.execute(update(PartnerRegion).where(PartnerRegion.admdvs == "370700").values(active=True))
        await uow.commit()
    async with weifang.uow() as uow:
        await service.resend(uow.session, await uow.session.get(type(transfer), row.id), messages["rejection"].id)
        await uow.commit()
    await weifang.flush()
    [inbound] = await chenzhou.transfers(certno=certno)
    assert inbound.status == "rejected" and "转出地已收回" in inbound.rejection_detail
    inbound_case, _, _ = await case_of(chenzhou, inbound.case_no)
    assert inbound_case["outcome"] == "rejected" and "转出地已收回" in inbound_case["result"]["reason"]
    assert await weifang.flush() == 0
    # money: debited at the origin − credited back there = credited elsewhere (nothing arrived at 郴州)
    assert done.amount - done.returned_amount == sum(await registration_merges(chenzhou), Decimal("0")) == 0


async def test_a_table_that_was_delivered_or_is_still_on_its_way_cannot_be_taken_back(regions):
    chenzhou, weifang, _ = regions
    certno, amount = new_certno(), Decimal("5.00")
    await enrol(chenzhou, certno, "韦在途", start=date(2026, 11, 1))
    await enrol(weifang, certno, "韦在途", start=date(2018, 7, 1), stopped=date(2026, 11, 1), balance=amount)
    transfer, _ = await apply_in(chenzhou, certno, "韦在途", "370700")
    await chenzhou.flush()
    await registration_prepares(weifang, amount=amount)
    [row] = await weifang.transfers(certno=certno)
    assert row.status == "table_issued"
    async with weifang.uow() as uow:  # not sent yet (or the partner is down): it is retried, not taken back
        with pytest.raises(returns.TakeBackNotAllowed) as on_its_way:
            await returns.take_back(uow, weifang.ctx, await uow.session.get(type(transfer), row.id), detail="收回")
    assert on_its_way.value.status == 409 and "未被转入地拒收" in on_its_way.value.detail
    # while the partner sender holds a document (it is posting it), staff are told to wait, not blocked
    async with weifang.sessionmaker() as sender, sender.begin():
        query = select(PartnerMessage).where(PartnerMessage.transfer_id == row.id, PartnerMessage.kind == "info_table")
        held = (await sender.scalars(query.with_for_update())).one()
        async with weifang.uow() as uow:
            out = await uow.session.get(type(transfer), row.id)
            with pytest.raises(store.MessageBeingSent) as busy:
                await returns.take_back(uow, weifang.ctx, out, detail="收回")
        async with weifang.uow() as uow:
            with pytest.raises(store.MessageBeingSent):
                await service.resend(uow.session, await uow.session.get(type(transfer), row.id), held.id)
    assert busy.value.status == 409 and busy.value.code == "partner_message_sending"
    await weifang.flush()
    [delivered] = await weifang.transfers(certno=certno)
    assert delivered.status == "completed"
    async with weifang.uow() as uow:
        with pytest.raises(returns.TakeBackNotAllowed) as arrived:
            await returns.take_back(uow, weifang.ctx, await uow.session.get(type(transfer), row.id), detail="收回")
    assert arrived.value.code == "take_back_not_allowed" and "已送达转入地" in arrived.value.detail
    assert await weifang.events("transfer.outbound.returned.v1") == []
