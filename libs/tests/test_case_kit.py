"""The case kit on a real PostgreSQL, with the real catalogue, calendar and registration's completion handlers."""

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text

from medins.cases.domain import CaseAction, CaseStatus, Grade, IllegalTransition
from medins.cases.errors import (
    AlreadyEvaluated,
    ExtensionNotAllowed,
    NotEvaluable,
    NotYourCase,
    ReasonRequired,
    UnknownMaterial,
)
from medins.cases.service import Applicant, CaseKit
from medins.cases.tables import case_follow_up, case_record, case_transition
from medins.catalog import UnknownItem, load_catalog
from medins.db import UnitOfWork, make_engine, make_sessionmaker
from medins.errors import Forbidden
from medins.identity import Principal, PrincipalKind
from medins.workdays import WorkCalendar
from registration.units.service import complete_unit_registration

pytestmark = pytest.mark.integration

CATALOG = load_catalog()
USCC = "91431000MA4L0XXK0G"
FORM = {
    "uscc": USCC,
    "former_uscc": None,
    "name": "郴州市示例科技有限公司",
    "address": "郴州市北湖区人民西路1号",
    "legal_rep_name": "张三",
    "legal_rep_phone": "0735-2221234",
    "legal_rep_certno": "11010519491231002X",
    "handler_name": "李四",
    "handler_mobile": "13800138000",
    "insured_products": ["employee_medical"],
}
COMPLETE = ["uscc_certificate", "unit_registration_form"]


def staff(region: str, *roles: str, staff_id: str = "s1") -> Principal:
    return Principal(PrincipalKind.staff, staff_id, region, frozenset(roles), "经办员")


EMPLOYER = Principal(PrincipalKind.employer, USCC, "431000")


@pytest.fixture
async def db(make_database):
    engine = make_engine(make_database("registration"))
    yield engine, make_sessionmaker(engine)
    await engine.dispose()


def kit(region: str, today: date) -> CaseKit:
    return CaseKit(
        service="registration",
        region=region,
        catalog=CATALOG,
        calendar=WorkCalendar(region),
        completion_handlers={"unit_registration": complete_unit_registration},
        today=lambda: today,
    )


async def submit(sessionmaker, k: CaseKit, materials=COMPLETE, actor=None):
    async with UnitOfWork(sessionmaker, source="registration", region=k.region) as uow:
        row = await k.submit(
            uow,
            item_key="unit_registration",
            applicant=Applicant("employer", USCC, FORM["name"]),
            actor=actor or staff(k.region, "intake", "review"),
            channel="window",
            form=FORM,
            materials=materials,
            situations=[],
        )
        await uow.commit()
    return row


async def act(sessionmaker, k: CaseKit, case_no: str, action: CaseAction, actor: Principal, **kw):
    async with UnitOfWork(sessionmaker, source="registration", region=k.region) as uow:
        row = await k.act(uow, case_no=case_no, action=action, actor=actor, **kw)
        await uow.commit()
    return row


async def test_the_same_item_has_each_regions_time_limit(db):
    engine, sessionmaker = db
    chenzhou = await submit(sessionmaker, kit("431000", date(2026, 9, 28)))
    # 郴州: 不超过5个工作日, accepted on Mon 2026-09-28: 09-29, 09-30, (National Day) 10-08, 10-09, Sat 10-10
    assert chenzhou["status"] == "accepted"
    assert chenzhou["deadline"] == date(2026, 10, 10) and not chenzhou["deadline_provisional"]
    weifang_kit = kit("370700", date(2026, 9, 28))
    async with engine.begin() as conn:  # the same unit applying in another deployment's database
        await conn.execute(text("DELETE FROM case_document"))
    weifang = await submit(sessionmaker, weifang_kit)
    # 山东: 即时办结 — accepted and completed at the window, the unit registered
    assert weifang["status"] == "completed" and weifang["outcome"] == "approved"
    assert weifang["result"]["uscc"] == USCC
    assert weifang["case_no"].startswith("REG-370700-20260928-")


async def test_incomplete_materials_get_one_notice_listing_everything_missing_then_resubmission(db):
    _, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    row = await submit(sessionmaker, k, materials=[])
    assert row["status"] == "incomplete"
    assert row["missing"] == [
        "统一社会信用代码证书或单位批准成立的文件",
        "《郴州市基本医疗保险单位参保信息登记表》（加盖单位公章）",
    ]
    assert row["deadline"] is None  # the clock starts only at acceptance of complete materials
    async with sessionmaker() as session:
        docs = await k.documents(session, row["id"])
    assert [d["form"] for d in docs] == ["A.1"]
    fields = {f["key"]: f["value"] for f in docs[0]["body"]["fields"]}
    assert fields["missing_materials"] == row["missing"] and fields["business_type"] == "单位参保登记"
    again = await act(
        sessionmaker, k, row["case_no"], CaseAction.resubmit, EMPLOYER, materials=["establishment_approval"]
    )
    assert again["status"] == "submitted"
    still = await act(sessionmaker, k, row["case_no"], CaseAction.request_materials, staff("431000", "intake"))
    assert still["missing"] == ["《郴州市基本医疗保险单位参保信息登记表》（加盖单位公章）"]
    await act(sessionmaker, k, row["case_no"], CaseAction.resubmit, EMPLOYER, materials=["unit_registration_form"])
    accepted = await act(sessionmaker, k, row["case_no"], CaseAction.accept, staff("431000", "intake"))
    assert accepted["status"] == "accepted" and accepted["deadline"] == date(2026, 11, 30)
    async with sessionmaker() as session:
        forms = [d["form"] for d in await k.documents(session, row["id"])]
    assert forms == ["A.1", "A.1", "B.1"]


async def test_illegal_moves_wrong_roles_and_unknown_materials_change_nothing(db):
    engine, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    with pytest.raises(UnknownMaterial):
        await submit(sessionmaker, k, materials=["uscc_certificate", "a_photo_of_my_cat"])
    with pytest.raises(UnknownItem):
        k.item("no_such_item")
    row = await submit(sessionmaker, k)
    async with engine.connect() as conn:
        before = (await conn.execute(select(func.count()).select_from(case_transition))).scalar_one()
        assert (await conn.execute(select(func.count()).select_from(case_record))).scalar_one() == 1
    with pytest.raises(IllegalTransition) as illegal:
        await act(sessionmaker, k, row["case_no"], CaseAction.pay, staff("431000", "finance"))
    assert "已受理" in (illegal.value.detail or "")
    with pytest.raises(Forbidden):
        await act(sessionmaker, k, row["case_no"], CaseAction.complete, staff("431000", "finance"))
    with pytest.raises(Forbidden):
        await act(sessionmaker, k, row["case_no"], CaseAction.complete, staff("370700", "review"))
    with pytest.raises(ReasonRequired):
        await act(sessionmaker, k, row["case_no"], CaseAction.reject, staff("431000", "review"))
    async with engine.connect() as conn:
        after = (await conn.execute(select(func.count()).select_from(case_transition))).scalar_one()
        status = (await conn.execute(select(case_record.c.status))).scalar_one()
    assert after == before and status == "accepted"


async def test_completion_runs_the_business_change_and_the_audit_trail_records_every_step(db):
    engine, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    row = await submit(sessionmaker, k)
    done = await act(sessionmaker, k, row["case_no"], CaseAction.complete, staff("431000", "review", staff_id="r1"))
    assert done["status"] == "completed" and done["result"]["unit_code"] == "43100000000001"
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM employer"))).scalar_one() == 1
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 1
    async with sessionmaker() as session:
        trail = await k.transitions(session, row["id"])
    assert [(t["action"], t["from_status"], t["to_status"]) for t in trail] == [
        ("submit", None, "submitted"),
        ("accept", "submitted", "accepted"),
        ("complete", "accepted", "completed"),
    ]
    assert trail[-1]["actor_id"] == "r1" and trail[-1]["actor_roles"] == ["review"]


async def test_evaluation_once_by_the_applicant_and_a_bad_review_opens_a_follow_up(db):
    _, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    row = await submit(sessionmaker, k)

    async def evaluate(actor: Principal, grade: Grade):
        async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
            out = await k.evaluate(uow, case_no=row["case_no"], actor=actor, grade=grade, comment="等候时间太长")
            await uow.commit()
        return out

    with pytest.raises(NotEvaluable):
        await evaluate(EMPLOYER, Grade.satisfied)
    await act(sessionmaker, k, row["case_no"], CaseAction.complete, staff("431000", "review"))
    with pytest.raises(NotYourCase):
        await evaluate(Principal(PrincipalKind.employer, "91110000600037341L", "431000"), Grade.satisfied)
    with pytest.raises(NotYourCase):
        await evaluate(staff("431000", "admin"), Grade.very_satisfied)
    evaluated = await evaluate(EMPLOYER, Grade.very_dissatisfied)
    assert evaluated["status"] == CaseStatus.evaluated
    with pytest.raises(AlreadyEvaluated):
        await evaluate(EMPLOYER, Grade.satisfied)
    async with sessionmaker() as session:
        follow_up = (await session.execute(select(case_follow_up))).mappings().one()
    assert follow_up["due_on"] == date(2026, 12, 7)  # 10 working days after Mon 2026-11-23
    async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
        with pytest.raises(ReasonRequired):
            await k.close_follow_up(uow, case_no=row["case_no"], actor=staff("431000", "review"), note=" ")
    async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
        closed = await k.close_follow_up(uow, case_no=row["case_no"], actor=staff("431000", "review"), note="已整改")
        await uow.commit()
    assert closed["rectification_note"] == "已整改" and closed["closed_at"] is not None


async def test_the_clock_pauses_for_the_applicant_and_extends_only_where_allowed(db):
    _, sessionmaker = db
    days = iter([date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 25)])
    current = {"today": date(2026, 11, 23)}
    k = kit("431000", date(2026, 11, 23))
    k.today = lambda: current["today"]
    row = await submit(sessionmaker, k)
    assert row["deadline"] == date(2026, 11, 30)
    async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
        await k.pause(uow, case_no=row["case_no"], actor=staff("431000", "review"), reason="等待邮寄原件")
        await uow.commit()
    current["today"] = date(2026, 11, 25)  # two working days later the originals arrive
    async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
        resumed = await k.resume(uow, case_no=row["case_no"], actor=staff("431000", "review"))
        await uow.commit()
    assert resumed["deadline"] == date(2026, 12, 2)
    async with UnitOfWork(sessionmaker, source="registration", region="431000") as uow:
        with pytest.raises(ExtensionNotAllowed):  # 郴州's guide allows no 特殊情况 extension
            await k.extend(uow, case_no=row["case_no"], actor=staff("431000", "admin"), days=5, reason="需实地核查")
    xuzhou = kit("320300", date(2026, 11, 23))
    assert xuzhou.item("unit_registration").allows_extension
    _ = (days, uuid)


async def test_overdue_and_nearly_due_cases_are_listed(db):
    _, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    row = await submit(sessionmaker, k)
    async with sessionmaker() as session:
        assert await k.due(session, within_working_days=2) == []
        k.today = lambda: date(2026, 11, 27)
        due = await k.due(session, within_working_days=2)
        assert [(r["case_no"], left) for r, left in due] == [(row["case_no"], 1)]
        k.today = lambda: date(2026, 12, 2)
        ((overdue, left),) = await k.due(session, within_working_days=0)
        assert left == -2 and overdue["case_no"] == row["case_no"]


async def test_an_applicant_sees_their_own_cases_and_progress_and_nobody_elses(db):
    _, sessionmaker = db
    k = kit("431000", date(2026, 11, 23))
    row = await submit(sessionmaker, k)
    other = Principal(PrincipalKind.employer, "91110000600037341L", "431000")
    async with sessionmaker() as session:
        mine = await k.cases_of(session, EMPLOYER)
        assert [r["case_no"] for r in mine] == [row["case_no"]]
        assert await k.cases_of(session, other) == []
        assert (await k.view(session, row["case_no"], EMPLOYER))["status"] == "accepted"
        assert (await k.view(session, row["case_no"], staff("431000", "intake")))["status"] == "accepted"
        with pytest.raises(NotYourCase):
            await k.view(session, row["case_no"], other)
        with pytest.raises(NotYourCase):
            await k.view(session, row["case_no"], staff("370700", "intake"))
