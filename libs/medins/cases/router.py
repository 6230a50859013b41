"""The case routes every service mounts under ``/api/v1/<service>/cases``."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from sqlalchemy.engine import RowMapping
from starlette.responses import Response

from medins.cases.domain import CaseAction
from medins.cases.errors import CaseNotFound
from medins.cases.schemas import (
    ActionIn,
    CaseOut,
    DueCaseOut,
    EvaluationIn,
    ExtendIn,
    FollowUpCloseIn,
    FollowUpOut,
    PauseIn,
    TransitionOut,
)
from medins.cases.service import CaseKit
from medins.cases.views import case_out
from medins.db import UnitOfWork
from medins.deps import SessionDep, UowDep
from medins.documents.render import render_pdf
from medins.identity import CurrentPrincipal, require_staff

ACTION_PATHS = {
    "accept": CaseAction.accept,
    "refuse": CaseAction.refuse,
    "request-materials": CaseAction.request_materials,
    "resubmit": CaseAction.resubmit,
    "start-review": CaseAction.start_review,
    "approve": CaseAction.approve,
    "second-approve": CaseAction.second_approve,
    "reject": CaseAction.reject,
    "pay": CaseAction.pay,
    "complete": CaseAction.complete,
    "withdraw": CaseAction.withdraw,
}


async def _write(request: Request, uow: UnitOfWork, change: Callable[[CaseKit], Awaitable[RowMapping]]) -> CaseOut:
    """Run one change of a case in its own transaction and return the case as it then stands."""
    kit = kit_of(request)
    async with uow:
        row = await change(kit)
        out = await case_out(kit, uow.session, row)
        await uow.commit()
    return out


def kit_of(request: Request) -> CaseKit:
    kit: CaseKit = request.app.state.case_kit
    return kit


def case_router(service: str) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{service}/cases", tags=["cases 办件"])

    @router.get("", response_model=list[CaseOut], summary="我的办件 (the caller's own cases)")
    async def my_cases(request: Request, principal: CurrentPrincipal, session: SessionDep) -> list[CaseOut]:
        kit = kit_of(request)
        return [await case_out(kit, session, row) for row in await kit.cases_of(session, principal)]

    @router.get("/due", response_model=list[DueCaseOut], summary="超期及临近到期办件 (staff)")
    async def due_cases(
        request: Request,
        principal: CurrentPrincipal,
        session: SessionDep,
        within: Annotated[int, Query(ge=0, le=60, description="剩余工作日不超过")] = 3,
    ) -> list[DueCaseOut]:
        kit = kit_of(request)
        require_staff(principal, region=kit.region)
        return [
            DueCaseOut(
                case_no=row["case_no"],
                item_name=row["item_name"],
                status=row["status"],
                deadline=row["deadline"],
                working_days_left=left,
                overdue=left < 0,
            )
            for row, left in await kit.due(session, within_working_days=within)
        ]

    @router.get("/{case_no}", response_model=CaseOut, summary="办件进度查询 (progress)")
    async def progress(case_no: str, request: Request, principal: CurrentPrincipal, session: SessionDep) -> CaseOut:
        kit = kit_of(request)
        return await case_out(kit, session, await kit.view(session, case_no, principal))

    @router.get("/{case_no}/audit", response_model=list[TransitionOut], summary="办件流转记录 (audit trail, staff)")
    async def audit(
        case_no: str, request: Request, principal: CurrentPrincipal, session: SessionDep
    ) -> list[TransitionOut]:
        kit = kit_of(request)
        row = await kit.view(session, case_no, principal)
        require_staff(principal)
        return [TransitionOut.model_validate(dict(t)) for t in await kit.transitions(session, row["id"])]

    @router.get("/{case_no}/documents/{document_id}", summary="一次性告知单 / 业务回执单 (JSON, or ?format=pdf)")
    async def document(
        case_no: str,
        document_id: uuid.UUID,
        request: Request,
        principal: CurrentPrincipal,
        session: SessionDep,
        format: Annotated[str, Query(pattern="^(json|pdf)$")] = "json",
    ) -> Response:
        kit = kit_of(request)
        row = await kit.view(session, case_no, principal)
        found = [d for d in await kit.documents(session, row["id"]) if d["id"] == document_id]
        if not found:
            raise CaseNotFound("该办件没有此文书", code="document_not_found", title="文书不存在")
        body = found[0]["body"]
        if format == "pdf":
            pdf = await asyncio.to_thread(render_pdf, body)
            filename = f"{case_no}-{found[0]['form']}.pdf"
            # a form named in Chinese (样表15) travels as RFC 6266 filename*, with an ASCII name beside it
            fallback = filename.encode("ascii", "ignore").decode()
            disposition = f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
            return Response(pdf, media_type="application/pdf", headers={"content-disposition": disposition})
        return Response(json.dumps(body, ensure_ascii=False, default=str).encode(), media_type="application/json")

    @router.post(
        "/{case_no}/actions/{action}",
        response_model=CaseOut,
        summary="办件流转：受理、不予受理、补正、审核、复核、拨付、办结、撤回",
    )
    async def act(
        case_no: str, action: str, body: ActionIn, request: Request, principal: CurrentPrincipal, uow: UowDep
    ) -> CaseOut:
        if action not in ACTION_PATHS:
            raise CaseNotFound(f"未知的办件操作：{action}", code="unknown_action", title="未知的办件操作")
        return await _write(
            request,
            uow,
            lambda kit: kit.act(
                uow,
                case_no=case_no,
                action=ACTION_PATHS[action],
                actor=principal,
                reason=body.reason,
                materials=body.materials,
            ),
        )

    @router.post("/{case_no}/pause", response_model=CaseOut, summary="暂停计时（等待申请人）")
    async def pause(case_no: str, body: PauseIn, request: Request, principal: CurrentPrincipal, uow: UowDep) -> CaseOut:
        return await _write(
            request, uow, lambda kit: kit.pause(uow, case_no=case_no, actor=principal, reason=body.reason)
        )

    @router.post("/{case_no}/resume", response_model=CaseOut, summary="恢复计时")
    async def resume(case_no: str, request: Request, principal: CurrentPrincipal, uow: UowDep) -> CaseOut:
        return await _write(request, uow, lambda kit: kit.resume(uow, case_no=case_no, actor=principal))

    @router.post("/{case_no}/extend", response_model=CaseOut, summary="特殊情况延长办理时限")
    async def extend(
        case_no: str, body: ExtendIn, request: Request, principal: CurrentPrincipal, uow: UowDep
    ) -> CaseOut:
        return await _write(
            request,
            uow,
            lambda kit: kit.extend(uow, case_no=case_no, actor=principal, days=body.days, reason=body.reason),
        )

    @router.post("/{case_no}/evaluation", response_model=CaseOut, summary="好差评（申请人）")
    async def evaluate(
        case_no: str, body: EvaluationIn, request: Request, principal: CurrentPrincipal, uow: UowDep
    ) -> CaseOut:
        return await _write(
            request,
            uow,
            lambda kit: kit.evaluate(uow, case_no=case_no, actor=principal, grade=body.grade, comment=body.comment),
        )

    @router.post("/{case_no}/follow-up/close", response_model=FollowUpOut, summary="差评整改办结")
    async def close_follow_up(
        case_no: str, body: FollowUpCloseIn, request: Request, principal: CurrentPrincipal, uow: UowDep
    ) -> FollowUpOut:
        kit = kit_of(request)
        async with uow:
            closed = await kit.close_follow_up(uow, case_no=case_no, actor=principal, note=body.rectification_note)
            await uow.commit()
        return FollowUpOut(
            case_no=case_no,
            due_on=closed["due_on"],
            closed_at=closed["closed_at"],
            rectification_note=closed["rectification_note"],
        )

    return router
