"""Use cases of the case kit. Every method runs inside the caller's unit of work; the caller commits."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases import clocks
from medins.cases.documents import notice_document, receipt_document
from medins.cases.domain import (
    CLOCK_RUNNING,
    CaseAction,
    CaseStatus,
    Grade,
    case_number,
    next_status,
)
from medins.cases.errors import (
    AlreadyEvaluated,
    CaseNotFound,
    ClockNotRunning,
    ExtensionNotAllowed,
    NotEvaluable,
    NotYourCase,
    ReasonRequired,
)
from medins.cases.materials import check_materials
from medins.cases.tables import (
    case_document,
    case_evaluation,
    case_follow_up,
    case_record,
    case_stage_clock,
    case_transition,
)
from medins.catalog import Catalog, ResolvedItem
from medins.db import UnitOfWork
from medins.identity import Principal, PrincipalKind, StaffRole, require_staff
from medins.workdays import WorkCalendar

CHINA = ZoneInfo("Asia/Shanghai")
A, S = CaseAction, CaseStatus

#: who may take each staff action (受理 intake, 审核 review, 复核 second_review, 财务 finance, 管理员 admin)
STAFF_ROLES: dict[CaseAction, tuple[StaffRole, ...]] = {
    A.accept: (StaffRole.intake,),
    A.refuse: (StaffRole.intake,),
    A.request_materials: (StaffRole.intake,),
    A.start_review: (StaffRole.review,),
    A.approve: (StaffRole.review,),
    A.reject: (StaffRole.review, StaffRole.second_review),
    A.second_approve: (StaffRole.second_review,),
    A.pay: (StaffRole.finance,),
    A.complete: (StaffRole.review, StaffRole.intake),
}
APPLICANT_ACTIONS = frozenset({A.resubmit, A.withdraw, A.evaluate})
EXTENSION_ROLES = (StaffRole.second_review, StaffRole.admin)
PAUSE_ROLES = (StaffRole.intake, StaffRole.review)


@dataclass(frozen=True)
class Applicant:
    """申请人: a person (id = 身份证号) or an employer (id = 统一社会信用代码)."""

    kind: str
    id: str
    name: str | None = None


#: runs when a case is completed with a positive outcome, in the same transaction; returns the result
CompletionHandler = Callable[[UnitOfWork, RowMapping], Awaitable[dict[str, Any]]]


def china_today() -> date:
    return datetime.now(CHINA).date()


class CaseKit:
    """The case lifecycle of one service in one region, with its catalogue and calendar."""

    def __init__(
        self,
        *,
        service: str,
        region: str,
        catalog: Catalog,
        calendar: WorkCalendar,
        completion_handlers: Mapping[str, CompletionHandler] | None = None,
        follow_up_days: int = 10,
        today: Callable[[], date] = china_today,
    ) -> None:
        self.service = service
        self.region = region
        self.catalog = catalog
        self.calendar = calendar
        self.completion_handlers = dict(completion_handlers or {})
        self.follow_up_days = follow_up_days
        self.today = today

    def item(self, item_key: str) -> ResolvedItem:
        return self.catalog.resolve(item_key, self.region)

    # -- reading -------------------------------------------------------------------------------

    async def get(self, session: AsyncSession, case_no: str, *, for_update: bool = False) -> RowMapping:
        query = select(case_record).where(case_record.c.case_no == case_no)
        if for_update:
            query = query.with_for_update()
        row = (await session.execute(query)).mappings().first()
        if row is None:
            raise CaseNotFound(f"未找到办件 {case_no}")
        return row

    def check_can_view(self, principal: Principal, row: RowMapping) -> None:
        if principal.kind is PrincipalKind.staff:
            if principal.region != row["region"]:
                raise NotYourCase("只能查看本统筹区的办件")
            return
        if str(principal.kind) != row["applicant_kind"] or principal.id != row["applicant_id"]:
            raise NotYourCase("只能查看本人（本单位）的办件")

    async def view(self, session: AsyncSession, case_no: str, principal: Principal) -> RowMapping:
        row = await self.get(session, case_no)
        self.check_can_view(principal, row)
        return row

    async def documents(self, session: AsyncSession, case_id: uuid.UUID) -> list[RowMapping]:
        query = select(case_document).where(case_document.c.case_id == case_id).order_by(case_document.c.created_at)
        return list((await session.execute(query)).mappings().all())

    async def transitions(self, session: AsyncSession, case_id: uuid.UUID) -> list[RowMapping]:
        query = select(case_transition).where(case_transition.c.case_id == case_id).order_by(case_transition.c.id)
        return list((await session.execute(query)).mappings().all())

    async def stage_clocks(self, session: AsyncSession, case_id: uuid.UUID) -> list[RowMapping]:
        query = select(case_stage_clock).where(case_stage_clock.c.case_id == case_id)
        return list((await session.execute(query.order_by(case_stage_clock.c.started_on))).mappings().all())

    async def evaluation(self, session: AsyncSession, case_id: uuid.UUID) -> RowMapping | None:
        query = select(case_evaluation).where(case_evaluation.c.case_id == case_id)
        return (await session.execute(query)).mappings().first()

    async def follow_up(self, session: AsyncSession, case_id: uuid.UUID) -> RowMapping | None:
        query = select(case_follow_up).where(case_follow_up.c.case_id == case_id)
        return (await session.execute(query)).mappings().first()

    async def cases_of(self, session: AsyncSession, principal: Principal, *, limit: int = 100) -> list[RowMapping]:
        """我的办件: the applicant's own cases, newest first."""
        query = (
            select(case_record)
            .where(case_record.c.applicant_kind == str(principal.kind), case_record.c.applicant_id == principal.id)
            .order_by(case_record.c.submitted_at.desc())
            .limit(limit)
        )
        return list((await session.execute(query)).mappings().all())

    async def due(self, session: AsyncSession, *, within_working_days: int) -> list[tuple[RowMapping, int]]:
        """Open cases whose clock runs and that are overdue or due within the given working days."""
        today = self.today()
        horizon = self.calendar.add_working_days(today, within_working_days).date
        query = (
            select(case_record)
            .where(
                case_record.c.status.in_([str(s) for s in CLOCK_RUNNING]),
                case_record.c.paused_on.is_(None),
                case_record.c.deadline <= horizon,
            )
            .order_by(case_record.c.deadline)
        )
        rows = list((await session.execute(query)).mappings().all())
        stage_query = (
            select(case_record)
            .join(case_stage_clock, case_stage_clock.c.case_id == case_record.c.id)
            .where(
                case_record.c.status.in_([str(s) for s in CLOCK_RUNNING]),
                case_stage_clock.c.completed_on.is_(None),
                case_stage_clock.c.deadline <= horizon,
            )
        )
        seen = {r["id"] for r in rows}
        rows += [r for r in (await session.execute(stage_query)).mappings().all() if r["id"] not in seen]
        return [(r, clocks.working_days_left(self.calendar, r["deadline"], today)) for r in rows if r["deadline"]]

    # -- writing -------------------------------------------------------------------------------

    async def _record(
        self,
        uow: UnitOfWork,
        row: RowMapping | None,
        *,
        case_id: uuid.UUID,
        action: str,
        to_status: str,
        actor: Principal,
        reason: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        await uow.session.execute(
            insert(case_transition).values(
                case_id=case_id,
                action=action,
                from_status=row["status"] if row is not None else None,
                to_status=to_status,
                actor_kind=str(actor.kind),
                actor_id=actor.id,
                actor_roles=sorted(actor.roles),
                at=datetime.now(UTC),
                reason=reason,
                before=before,
                after=after,
            )
        )

    async def _set(self, uow: UnitOfWork, row: RowMapping, **values: Any) -> RowMapping:
        result = await uow.session.execute(
            update(case_record)
            .where(case_record.c.id == row["id"], case_record.c.version == row["version"])
            .values(**values, version=row["version"] + 1)
            .returning(*case_record.c)
        )
        return result.mappings().one()

    async def _add_document(self, uow: UnitOfWork, case_id: uuid.UUID, kind: str, body: dict[str, Any]) -> None:
        await uow.session.execute(
            insert(case_document).values(
                id=uuid.uuid4(), case_id=case_id, kind=kind, form=body["form"], body=body, created_at=datetime.now(UTC)
            )
        )

    async def submit(
        self,
        uow: UnitOfWork,
        *,
        item_key: str,
        applicant: Applicant,
        actor: Principal,
        channel: str,
        form: dict[str, Any],
        materials: list[str],
        situations: list[str],
    ) -> RowMapping:
        """申请: record the application. At a window (staff submitting), the materials are checked at once:
        complete ones are accepted (receipt), incomplete ones get the one-time notice."""
        item = self.item(item_key)
        check_materials(item.materials, materials, situations, item.situation_keys)
        limit = item.time_limit.applicable(channel, situations)
        sequence = (await uow.session.execute(text("SELECT nextval('case_no_seq')"))).scalar_one()
        today = self.today()
        case_id = uuid.uuid4()
        values = dict(
            id=case_id,
            case_no=case_number(self.service, self.region, today, sequence),
            item_key=item.key,
            item_name=item.name,
            region=self.region,
            channel=channel,
            applicant_kind=applicant.kind,
            applicant_id=applicant.id,
            applicant_name=applicant.name,
            submitted_by=actor.label,
            status=str(S.submitted),
            form=form,
            materials=sorted(set(materials)),
            situations=sorted(set(situations)),
            missing=[],
            second_review=item.second_review,
            payment=item.payment,
            limit_value=limit.value,
            limit_unit=str(limit.unit),
            submitted_at=datetime.now(UTC),
            deadline_provisional=False,
            extension_days=0,
            version=1,
        )
        row = (
            (await uow.session.execute(insert(case_record).values(**values).returning(*case_record.c))).mappings().one()
        )
        await self._record(uow, None, case_id=case_id, action="submit", to_status=str(S.submitted), actor=actor)
        if actor.kind is PrincipalKind.staff:
            row = await self.check_at_window(uow, row, actor)
        return row

    async def check_at_window(self, uow: UnitOfWork, row: RowMapping, actor: Principal) -> RowMapping:
        item = self.item(row["item_key"])
        result = check_materials(item.materials, row["materials"], row["situations"], item.situation_keys)
        if result.missing:
            return await self.act(uow, case_no=row["case_no"], action=A.request_materials, actor=actor)
        return await self.act(uow, case_no=row["case_no"], action=A.accept, actor=actor)

    def _authorize(self, action: CaseAction, actor: Principal, row: RowMapping) -> None:
        if action in APPLICANT_ACTIONS:
            if actor.kind is PrincipalKind.staff and action is A.resubmit:
                require_staff(actor, StaffRole.intake, region=row["region"])
                return
            if str(actor.kind) != row["applicant_kind"] or actor.id != row["applicant_id"]:
                raise NotYourCase("只有申请人本人（本单位）才能执行此操作")
            return
        require_staff(actor, *STAFF_ROLES[action], region=row["region"])

    async def act(
        self,
        uow: UnitOfWork,
        *,
        case_no: str,
        action: CaseAction,
        actor: Principal,
        reason: str | None = None,
        materials: list[str] | None = None,
    ) -> RowMapping:
        """Move a case along its lifecycle; an illegal move or a wrong role changes nothing."""
        row = await self.get(uow.session, case_no, for_update=True)
        self._authorize(action, actor, row)
        target = next_status(
            CaseStatus(row["status"]),
            action,
            second_review=row["second_review"],
            payment=row["payment"],
            immediate=row["limit_unit"] == "immediate",
        )
        item = self.item(row["item_key"])
        changes: dict[str, Any] = {"status": str(target)}
        if action in (A.refuse, A.reject) and not (reason and reason.strip()):
            raise ReasonRequired("不予受理或审核不通过必须写明原因")
        if action is A.resubmit:
            merged = sorted(set(row["materials"]) | set(materials or []))
            check_materials(item.materials, merged, row["situations"], item.situation_keys)
            changes["materials"] = merged
        if action in (A.request_materials, A.refuse):
            check = check_materials(item.materials, row["materials"], row["situations"], item.situation_keys)
            changes["missing"] = check.missing
            notice = notice_document(item=item, case=row, check=check, reason=reason, actor=actor)
            await self._add_document(uow, row["id"], "notice", notice)
        if action is A.accept:
            today = self.today()
            deadline = clocks.start(self.calendar, today, row["limit_value"], row["limit_unit"])
            changes |= {
                "accepted_on": today,
                "deadline": deadline.date if deadline else None,
                "deadline_provisional": deadline.provisional if deadline else False,
            }
            check = check_materials(item.materials, row["materials"], row["situations"], item.situation_keys)
            receipt = receipt_document(item=item, case=row, check=check, actor=actor, deadline=deadline)
            await self._add_document(uow, row["id"], "receipt", receipt)
        if action is A.reject:
            changes |= {"outcome": "rejected", "result": {"reason": reason}, "completed_at": datetime.now(UTC)}
        elif target is S.completed:
            changes |= {"outcome": "approved", "completed_at": datetime.now(UTC)}
        updated = await self._set(uow, row, **changes)
        await self._record(
            uow, row, case_id=row["id"], action=str(action), to_status=str(target), actor=actor, reason=reason
        )
        if target is S.completed and action is not A.reject:
            handler = self.completion_handlers.get(row["item_key"])
            if handler is not None:
                result = await handler(uow, updated)
                updated = await self._set(uow, updated, result=result)
        if action is A.accept and row["limit_unit"] == "immediate" and not row["second_review"]:
            # 即时办结: accepted and completed at the window in one go
            updated = await self.act(uow, case_no=case_no, action=A.complete, actor=actor)
        return updated

    async def pause(self, uow: UnitOfWork, *, case_no: str, actor: Principal, reason: str | None) -> RowMapping:
        """The clock stops while the case waits for the applicant (e.g. mailed originals)."""
        row = await self.get(uow.session, case_no, for_update=True)
        require_staff(actor, *PAUSE_ROLES, region=row["region"])
        if not (reason and reason.strip()):
            raise ReasonRequired("暂停计时必须写明原因")
        if CaseStatus(row["status"]) not in CLOCK_RUNNING or row["paused_on"] is not None:
            raise ClockNotRunning("只有正在计时的办件才能暂停")
        updated = await self._set(uow, row, paused_on=self.today(), paused_reason=reason)
        await self._record(
            uow,
            row,
            case_id=row["id"],
            action="pause",
            to_status=row["status"],
            actor=actor,
            reason=reason,
            before={"paused_on": None},
            after={"paused_on": str(updated["paused_on"])},
        )
        return updated

    async def resume(self, uow: UnitOfWork, *, case_no: str, actor: Principal) -> RowMapping:
        row = await self.get(uow.session, case_no, for_update=True)
        require_staff(actor, *PAUSE_ROLES, region=row["region"])
        if row["paused_on"] is None:
            raise ClockNotRunning("办件未暂停计时")
        state = clocks.ClockState(row["deadline"], row["deadline_provisional"], row["paused_on"], row["extension_days"])
        deadline = clocks.resume(self.calendar, state, self.today())
        updated = await self._set(
            uow,
            row,
            paused_on=None,
            paused_reason=None,
            deadline=deadline.date,
            deadline_provisional=deadline.provisional,
        )
        await self._record(
            uow,
            row,
            case_id=row["id"],
            action="resume",
            to_status=row["status"],
            actor=actor,
            before={"deadline": str(row["deadline"])},
            after={"deadline": str(deadline.date)},
        )
        return updated

    async def extend(
        self, uow: UnitOfWork, *, case_no: str, actor: Principal, days: int, reason: str | None
    ) -> RowMapping:
        """特殊情况 extension: only with a reason, by a role entitled to it, where the region allows it."""
        row = await self.get(uow.session, case_no, for_update=True)
        require_staff(actor, *EXTENSION_ROLES, region=row["region"])
        if not (reason and reason.strip()):
            raise ReasonRequired("延长办理时限必须写明特殊情况原因")
        if not self.item(row["item_key"]).allows_extension:
            raise ExtensionNotAllowed("本统筹区未规定特殊情况延期")
        if CaseStatus(row["status"]) not in CLOCK_RUNNING or row["deadline"] is None:
            raise ClockNotRunning("只有正在计时的办件才能延期")
        total = row["extension_days"] + days
        if days < 1 or total > clocks.MAX_EXTENSION_WORKING_DAYS:
            raise ExtensionNotAllowed(f"延期累计不得超过 {clocks.MAX_EXTENSION_WORKING_DAYS} 个工作日")
        state = clocks.ClockState(row["deadline"], row["deadline_provisional"], row["paused_on"], row["extension_days"])
        deadline = clocks.extend(self.calendar, state, days)
        updated = await self._set(
            uow, row, extension_days=total, deadline=deadline.date, deadline_provisional=deadline.provisional
        )
        await self._record(
            uow,
            row,
            case_id=row["id"],
            action="extend",
            to_status=row["status"],
            actor=actor,
            reason=reason,
            before={"deadline": str(row["deadline"]), "extension_days": row["extension_days"]},
            after={"deadline": str(deadline.date), "extension_days": total},
        )
        return updated

    async def evaluate(
        self, uow: UnitOfWork, *, case_no: str, actor: Principal, grade: Grade, comment: str | None
    ) -> RowMapping:
        """好差评 by the applicant, once, on a completed case; a bad review opens a follow-up."""
        row = await self.get(uow.session, case_no, for_update=True)
        self._authorize(A.evaluate, actor, row)
        if CaseStatus(row["status"]) is S.evaluated:
            raise AlreadyEvaluated("每个办件只能评价一次")
        if CaseStatus(row["status"]) is not S.completed:
            raise NotEvaluable("办件办结后才能评价")
        updated = await self.act(uow, case_no=case_no, action=A.evaluate, actor=actor, reason=comment)
        now = datetime.now(UTC)
        await uow.session.execute(
            insert(case_evaluation).values(
                case_id=row["id"], grade=grade.value, comment=comment, evaluated_by=actor.id, evaluated_at=now
            )
        )
        if grade.is_bad:
            due = self.calendar.add_working_days(self.today(), self.follow_up_days).date
            await uow.session.execute(
                insert(case_follow_up).values(id=uuid.uuid4(), case_id=row["id"], opened_at=now, due_on=due)
            )
        return updated

    async def close_follow_up(self, uow: UnitOfWork, *, case_no: str, actor: Principal, note: str) -> RowMapping:
        row = await self.get(uow.session, case_no, for_update=True)
        require_staff(actor, StaffRole.review, StaffRole.admin, region=row["region"])
        follow_up = await self.follow_up(uow.session, row["id"])
        if follow_up is None or follow_up["closed_at"] is not None:
            raise ClockNotRunning("该办件没有待处理的差评整改", code="no_open_follow_up", title="没有待处理的差评整改")
        if not note.strip():
            raise ReasonRequired("关闭差评整改必须填写整改情况")
        closed = await uow.session.execute(
            update(case_follow_up)
            .where(case_follow_up.c.id == follow_up["id"])
            .values(closed_at=datetime.now(UTC), closed_by=actor.id, rectification_note=note)
            .returning(*case_follow_up.c)
        )
        await self._record(
            uow, row, case_id=row["id"], action="close_follow_up", to_status=row["status"], actor=actor, reason=note
        )
        return closed.mappings().one()

    async def start_stage(self, uow: UnitOfWork, *, case_id: uuid.UUID, stage: str, value: int, unit: str) -> None:
        """A per-stage clock (ruling 1), beside the case's overall clock."""
        today = self.today()
        deadline = clocks.start(self.calendar, today, value, unit)
        if deadline is None:
            return
        await uow.session.execute(
            insert(case_stage_clock).values(
                case_id=case_id,
                stage=stage,
                started_on=today,
                limit_value=value,
                limit_unit=unit,
                deadline=deadline.date,
                deadline_provisional=deadline.provisional,
            )
        )

    async def complete_stage(self, uow: UnitOfWork, *, case_id: uuid.UUID, stage: str) -> None:
        await uow.session.execute(
            update(case_stage_clock)
            .where(case_stage_clock.c.case_id == case_id, case_stage_clock.c.stage == stage)
            .values(completed_on=self.today())
        )

    async def count_open(self, session: AsyncSession) -> int:
        query = (
            select(func.count())
            .select_from(case_record)
            .where(case_record.c.status.in_([str(s) for s in CLOCK_RUNNING]))
        )
        return int((await session.execute(query)).scalar_one())
