"""个人账户 routes: the ledger for staff and for the person, credits and debits, and the account's cases.

Every POST that moves money (credits, debits, withdrawals) takes an ``Idempotency-Key``: a replay gets
the first response back (with ``Idempotency-Replayed: true``), the same key with another body a 409.
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse

from medins.authz import audience, require_owner
from medins.cases.service import CaseKit
from medins.cases.views import case_out
from medins.db import UnitOfWork
from medins.errors import Forbidden, ProblemError
from medins.idempotency import REPLAYED_HEADER, IdempotencyKey, fingerprint, run_once
from medins.identity import CurrentPrincipal, Principal, PrincipalKind, StaffRole, require_staff
from medins.ids import mask_certno, validate_certno
from medins.service_app import SessionDep, UowDep
from registration.accounts import mutual_aid, service, withdrawals
from registration.accounts.domain import (
    ENTRY_REASON_ZH,
    RELATIONSHIP_ZH,
    STAFF_DEBIT_REASONS,
    EntryReason,
    Relationship,
    WithdrawalReason,
)
from registration.accounts.schemas import (
    AccountOut,
    BindingOut,
    CreditBatchIn,
    CreditBatchOut,
    DebitIn,
    EntryOut,
    LedgerOut,
    MutualAidBindingApplication,
    MutualAidUnbindingApplication,
    PostingOut,
    WithdrawalApplication,
)
from registration.applications.schemas import ApplicationOut, Submission

router = APIRouter(prefix="/api/v1/registration/accounts", tags=["accounts 个人账户"])

_STAFF, _PERSON = PrincipalKind.staff, PrincipalKind.person
FINANCE = (StaffRole.finance, StaffRole.admin)
#: applications: staff at a window (受理) or the person themself
APPLY = audience(_STAFF, _PERSON, staff_roles=(StaffRole.intake,))
Limit = Annotated[int, Query(ge=1, le=200, description="流水条数")]
Offset = Annotated[int, Query(ge=0)]


class InvalidCertNo(ProblemError):
    status = 422
    code = "invalid_certno"
    title = "身份证号码不正确"


def _certno(value: str) -> str:
    try:
        return validate_certno(value)
    except ValueError as exc:
        raise InvalidCertNo(str(exc)) from exc


async def _ledger(session: SessionDep, certno: str, limit: int, offset: int) -> LedgerOut:
    account, person = await service.account_of(session, certno)
    entries = await service.entries_of(session, account.id, limit=limit, offset=offset)
    return LedgerOut(
        account=AccountOut(
            psn_no=account.psn_no,
            name=person.name,
            certno_masked=mask_certno(account.certno),
            balance=account.balance,
            version=account.version,
            opened_at=account.created_at,
            updated_at=account.updated_at,
        ),
        entries=[
            EntryOut(
                entry_no=e.entry_no,
                direction=e.direction,
                amount=e.amount,
                reason=e.reason,
                reason_label=ENTRY_REASON_ZH[EntryReason(e.reason)],
                reference=e.reference,
                note=e.note,
                balance_after=e.balance_after,
                created_at=e.created_at,
            )
            for e in entries
        ],
    )


@router.get("/me", response_model=LedgerOut, summary="本人个人账户及收支明细", openapi_extra=audience(_PERSON))
async def my_account(
    principal: CurrentPrincipal, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> LedgerOut:
    if principal.kind is not _PERSON:
        raise Forbidden("仅参保人本人可查看", code="audience_not_allowed", title="无权调用该接口")
    return await _ledger(session, principal.id, limit, offset)


@router.get(
    "/{certno}", response_model=LedgerOut, summary="个人账户及收支明细", openapi_extra=audience(_STAFF, _PERSON)
)
async def get_account(
    certno: str,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LedgerOut:
    certno = _certno(certno)
    require_owner(principal, _PERSON, certno, region=request.app.state.settings.region)
    return await _ledger(session, certno, limit, offset)


@router.get(
    "/{certno}/mutual-aid",
    response_model=list[BindingOut],
    summary="家庭共济绑定（作为授权人或使用人）",
    openapi_extra=audience(_STAFF, _PERSON),
)
async def get_bindings(
    certno: str, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> list[BindingOut]:
    certno = _certno(certno)
    require_owner(principal, _PERSON, certno, region=request.app.state.settings.region)
    return [
        BindingOut(
            authoriser_name=b.authoriser_name,
            authoriser_certno_masked=mask_certno(b.authoriser_certno),
            user_name=b.user_name,
            user_certno_masked=mask_certno(b.user_certno),
            relationship=b.relationship,
            relationship_label=RELATIONSHIP_ZH[Relationship(b.relationship)],
            start_on=b.start_on,
            end_on=b.end_on,
            active=b.end_on is None,
        )
        for b in await mutual_aid.bindings_of(session, certno)
    ]


async def _once(
    uow: UnitOfWork,
    request: Request,
    principal: Principal,
    *,
    key: str,
    body: BaseModel,
    status_code: int,
    action: Callable[[], Awaitable[Any]],
) -> JSONResponse:
    """The use case once per Idempotency-Key, in the unit of work; the stored response on a replay."""
    async with uow:
        outcome = await run_once(
            uow.session,
            owner=principal.label,
            scope=f"registration:{request.url.path}",
            key=key,
            request_fingerprint=fingerprint(request.method, request.url.path, body.model_dump(mode="json")),
            status_code=status_code,
            action=action,
        )
        await uow.commit()
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else {}
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


def _postings(postings: list[service.Posting]) -> CreditBatchOut:
    fresh = [p for p in postings if not p.duplicate]
    return CreditBatchOut(
        posted=len(fresh),
        duplicates=len(postings) - len(fresh),
        total_posted=sum((p.entry.amount for p in fresh), Decimal("0.00")),
        postings=[
            PostingOut(
                certno=p.account.certno,
                psn_no=p.account.psn_no,
                entry_no=p.entry.entry_no,
                direction=p.entry.direction,
                amount=p.entry.amount,
                reference=p.entry.reference,
                balance_after=p.entry.balance_after,
                duplicate=p.duplicate,
            )
            for p in postings
        ],
    )


@router.post(
    "/credits",
    status_code=201,
    response_model=CreditBatchOut,
    summary="批量划入个人账户（财务）",
    openapi_extra=audience(_STAFF, staff_roles=FINANCE),
)
async def post_credits(
    body: CreditBatchIn, key: IdempotencyKey, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> JSONResponse:
    require_staff(principal, *FINANCE, region=request.app.state.settings.region)  # also declared as the audience
    lines = [service.CreditLine(x.certno, x.amount, x.reason, x.reference, x.note) for x in body.lines]

    async def act() -> Any:
        postings = await service.post_credits(uow, lines=lines, actor=principal.label)
        return _postings(postings).model_dump(mode="json")

    return await _once(uow, request, principal, key=key, body=body, status_code=201, action=act)


@router.post(
    "/{certno}/debits",
    status_code=201,
    response_model=CreditBatchOut,
    summary="个人账户扣回或更正调减（财务）",
    openapi_extra=audience(_STAFF, staff_roles=FINANCE),
)
async def post_debit(
    certno: str, body: DebitIn, key: IdempotencyKey, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> JSONResponse:
    require_staff(principal, *FINANCE, region=request.app.state.settings.region)
    certno = _certno(certno)
    if body.reason not in STAFF_DEBIT_REASONS:
        raise Forbidden(
            "此处只能登记扣回多划金额或更正调减；一次性支取须通过支取办件，转出须通过转移接续",
            code="debit_reason_not_allowed",
            title="不能直接登记此类支出",
        )

    async def act() -> Any:
        posting = await service.debit(
            uow,
            certno=certno,
            amount=body.amount,
            reason=body.reason,
            reference=body.reference,
            actor=principal.label,
            note=body.note,
        )
        return _postings([posting]).model_dump(mode="json")

    return await _once(uow, request, principal, key=key, body=body, status_code=201, action=act)


def _check_applicant(principal: Principal, kit: CaseKit, applicant_certno: str) -> None:
    """Staff at the window need 受理; a person applies only as the applicant (on death, the heir)."""
    if principal.kind is _STAFF:
        require_staff(principal, StaffRole.intake, region=kit.region)
    elif principal.id != applicant_certno:
        raise Forbidden("只能为本人申请", code="not_owner", title="无权为他人申请")


async def _submit(
    uow: UnitOfWork,
    kit: CaseKit,
    principal: Principal,
    body: Submission,
    item_key: str,
    prepared: Any,
    situations: list[str],
) -> ApplicationOut:
    row = await kit.submit(
        uow,
        item_key=item_key,
        applicant=prepared.applicant,
        actor=principal,
        channel=body.channel,
        form=prepared.form,
        materials=body.materials,
        situations=sorted({*body.situations, *situations}),
    )
    return ApplicationOut(case=await case_out(kit, uow.session, row))


@router.post(
    "/withdrawals",
    status_code=201,
    response_model=ApplicationOut,
    summary="个人账户一次性支取（申请）",
    openapi_extra=APPLY,
)
async def apply_withdrawal(
    body: WithdrawalApplication, key: IdempotencyKey, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> JSONResponse:
    kit: CaseKit = request.app.state.case_kit
    form = body.form
    heir = form.heir if form.reason is WithdrawalReason.death else None
    _check_applicant(principal, kit, heir.certno if heir else form.certno)

    async def act() -> Any:
        known = set(kit.item(withdrawals.ITEM_KEY).situation_keys)
        prepared = await withdrawals.prepare_withdrawal(uow, form, known_situations=known)
        out = await _submit(uow, kit, principal, body, withdrawals.ITEM_KEY, prepared, prepared.situations)
        return out.model_dump(mode="json")

    return await _once(uow, request, principal, key=key, body=body, status_code=201, action=act)


@router.post(
    "/mutual-aid/bindings",
    status_code=201,
    response_model=ApplicationOut,
    summary="家庭共济账户绑定（申请）",
    openapi_extra=APPLY,
)
async def apply_binding(
    body: MutualAidBindingApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit: CaseKit = request.app.state.case_kit
    _check_applicant(principal, kit, body.form.authoriser_certno)
    async with uow:
        prepared = await mutual_aid.prepare_binding(uow, body.form)
        out = await _submit(uow, kit, principal, body, mutual_aid.BIND_KEY, prepared, [])
        await uow.commit()
    return out


@router.post(
    "/mutual-aid/unbindings",
    status_code=201,
    response_model=ApplicationOut,
    summary="家庭共济账户解绑（申请）",
    openapi_extra=APPLY,
)
async def apply_unbinding(
    body: MutualAidUnbindingApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit: CaseKit = request.app.state.case_kit
    _check_applicant(principal, kit, body.form.authoriser_certno)
    async with uow:
        prepared = await mutual_aid.prepare_unbinding(uow, body.form)
        out = await _submit(uow, kit, principal, body, mutual_aid.UNBIND_KEY, prepared, [])
        await uow.commit()
    return out
