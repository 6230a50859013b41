"""Starting a case (办件) for an application: who may apply, which item the region runs it under, situations.

Several moves share one item (样表1 登记类型: 新参保、暂停、注销、拆分合并分立 are all 单位参保登记 in 郴州 and
山东), while 徐州 files 注销 and 合并 under 单位参保信息变更登记 with materials of their own. ``choose_item``
reads that from the region's catalogue: the first candidate item whose situation the region's entry knows.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.authz import audience
from medins.bus.envelope import Envelope, IntegrationEvent, make_envelope
from medins.cases.service import Applicant, CaseKit, CompletionHandler
from medins.cases.views import case_out
from medins.catalog import ResolvedItem
from medins.db import UnitOfWork
from medins.errors import Forbidden
from medins.identity import Principal, PrincipalKind, StaffRole, require_staff
from registration.applications.schemas import ApplicationOut, Submission
from registration.units.models import Employer

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Candidate:
    """An item a move may run under: only where the region's entry has ``situation`` (if given), and only
    where the region lists the item at all when ``listed_only``."""

    item_key: str
    situation: str | None = None
    listed_only: bool = False


def applicants(*kinds: PrincipalKind) -> dict[str, Any]:
    """``openapi_extra`` of an application route: staff with 受理 at a window, and these applicants."""
    return audience(PrincipalKind.staff, *kinds, staff_roles=(StaffRole.intake,))


def kit_of(request: Request) -> CaseKit:
    kit: CaseKit = request.app.state.case_kit
    return kit


def choose_item(kit: CaseKit, *candidates: Candidate) -> ResolvedItem:
    for candidate in candidates:
        item = kit.item(candidate.item_key)
        if candidate.listed_only and not item.listed:
            continue
        if candidate.situation and candidate.situation not in item.situation_keys:
            continue
        return item
    return kit.item(candidates[-1].item_key)


def known_situations(item: ResolvedItem, situations: Iterable[str | None]) -> list[str]:
    """The implied situations the region's item knows (a situation it does not know asks for nothing)."""
    return sorted({s for s in situations if s and s in item.situation_keys})


def check_applicant(principal: Principal, kit: CaseKit, applicant: Applicant) -> None:
    """At a window staff with 受理 apply for anyone; otherwise only the applicant (本人, 本单位) itself."""
    if principal.kind is PrincipalKind.staff:
        require_staff(principal, StaffRole.intake, region=kit.region)
        return
    if (str(principal.kind), principal.id) != (applicant.kind, applicant.id):
        raise Forbidden("只能为本人（本单位）申请", code="not_applicant", title="无权代他人申请")


async def submit(
    uow: UnitOfWork,
    kit: CaseKit,
    *,
    item: ResolvedItem,
    applicant: Applicant,
    principal: Principal,
    submission: Submission,
    form: Mapping[str, Any],
    operation: str | None,
    implied: Iterable[str | None] = (),
) -> RowMapping:
    """申请: the case with the form (and the ``operation`` its completion performs) under ``item``."""
    stored = dict(form) | ({"operation": operation} if operation else {})
    return await kit.submit(
        uow,
        item_key=item.key,
        applicant=applicant,
        actor=principal,
        channel=submission.channel,
        form=stored,
        materials=submission.materials,
        situations=sorted({*submission.situations, *known_situations(item, implied)}),
    )


async def application_out(kit: CaseKit, uow: UnitOfWork, row: RowMapping) -> ApplicationOut:
    return ApplicationOut(case=await case_out(kit, uow.session, row))


#: what the service stores beside the applicant's form: the operation, the receipt's own fields
KIT_KEYS = frozenset({"operation", "receipt_fields"})


def form_of(case: RowMapping, model: type[M]) -> M:
    """The case's form as ``model`` (without what the service stored beside it)."""
    return model.model_validate({k: v for k, v in (case["form"] or {}).items() if k not in KIT_KEYS})


class Rehearsal(UnitOfWork):
    """The caller's transaction lent to a rehearsal: the events it publishes are dropped."""

    def __init__(self, uow: UnitOfWork) -> None:
        # no super().__init__(): it opens no session of its own, it shares the caller's
        self.session = uow.session
        self.source = uow.source
        self.region = uow.region
        self._events: list[Envelope] = []

    def publish(self, event: IntegrationEvent, *, causation_id: str | None = None) -> Envelope:
        return make_envelope(event, source=self.source, region=self.region, correlation_id="rehearsal")


async def rehearse(
    uow: UnitOfWork, handler: CompletionHandler, form: Mapping[str, Any], principal: Principal
) -> dict[str, Any]:
    """Runs the completion of an application in a savepoint that is rolled back: an application whose
    completion would be refused (a person never suspended asked to resume, a unit with employees asked to
    close) is refused at once, with the same problem, and nothing of it is written."""
    case = {"form": dict(form), "submitted_by": principal.label, "case_no": "REHEARSAL"}
    async with uow.session.begin_nested() as savepoint:
        result = await handler(Rehearsal(uow), case)  # type: ignore[arg-type]
        await savepoint.rollback()
    return result


async def apply(
    uow: UnitOfWork,
    kit: CaseKit,
    *,
    principal: Principal,
    candidates: tuple[Candidate, ...],
    applicant: Applicant,
    submission: Submission,
    form: BaseModel,
    operation: str,
    handler: CompletionHandler,
    implied: Iterable[str | None] = (),
    receipt: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> ApplicationOut:
    """An application end to end: who applies, the region's item, a rehearsal of its completion, the case."""
    check_applicant(principal, kit, applicant)
    item = choose_item(kit, *candidates)
    stored = form.model_dump(mode="json") | {"operation": operation}
    async with uow:
        if applicant.kind == "employer" and applicant.name is None:
            name = await uow.session.scalar(select(Employer.name).where(Employer.uscc == applicant.id))
            applicant = Applicant(applicant.kind, applicant.id, name)
        rehearsed = await rehearse(uow, handler, stored, principal)
        if receipt is not None:
            # the receipt's own fields (登记人数, 变更前/变更后 …), as the completion will find them
            stored["receipt_fields"] = receipt(rehearsed)
        row = await submit(
            uow,
            kit,
            item=item,
            applicant=applicant,
            principal=principal,
            submission=submission,
            form=stored,
            operation=None,
            implied=implied,
        )
        out = await application_out(kit, uow, row)
        await uow.commit()
    return out
