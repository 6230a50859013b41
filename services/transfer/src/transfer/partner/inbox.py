"""Documents from partner regions: signature, addressee and format checked, each number handled once."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from medins.db import UnitOfWork
from medins.errors import Conflict, ProblemError, Unauthenticated
from medins.partners import verify_document
from transfer.context import TransferContext
from transfer.partner.directory import get_partner, verification_keys
from transfer.partner.models import ReceivedDocument
from transfer.transfers.documents import KINDS, addressee_of, issuer_of, number_of

Dispatch = Callable[[UnitOfWork, TransferContext, Any, str], Awaitable[dict[str, Any]]]


class InvalidDocumentSignature(ProblemError):
    status = 422
    code = "invalid_document_signature"
    title = "文书签名无效"


class InvalidDocument(ProblemError):
    status = 422
    code = "invalid_document"
    title = "文书内容不符合格式"


class WrongAddressee(ProblemError):
    status = 422
    code = "wrong_addressee"
    title = "文书不是发给本统筹区的"


class IssuerMismatch(ProblemError):
    status = 422
    code = "issuer_mismatch"
    title = "文书的出具地区与发送地区不一致"


class DocumentNumberReused(Conflict):
    code = "document_number_reused"
    title = "文书编号已用于内容不同的另一份文书"


def digest_of(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def receive(
    uow: UnitOfWork, ctx: TransferContext, dispatch: Dispatch, *, sender: str, kind: str, jws: str
) -> dict[str, Any]:
    """Verify and handle one document from ``sender``; the same document again gets the first answer."""
    partner = await get_partner(uow.session, sender)
    try:
        payload = verify_document(jws, keys=verification_keys(partner), issuer=sender)
    except Unauthenticated as exc:
        raise InvalidDocumentSignature(f"文书签名校验未通过（{exc.detail or exc.title}），已拒收") from exc
    model = KINDS[kind]
    if payload.get("kind") != kind:
        raise InvalidDocument(f"文书类型应为 {kind}")
    try:
        document = model.model_validate(payload)
    except ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        raise InvalidDocument("文书内容不符合格式，已拒收", errors=errors) from exc
    if issuer_of(document) != sender:
        raise IssuerMismatch(f"文书由 {issuer_of(document)} 出具，却由 {sender} 发送")
    if addressee_of(document) != ctx.region:
        raise WrongAddressee(f"文书的接收地区是 {addressee_of(document)}，不是本统筹区 {ctx.region}")
    number, digest = number_of(document), digest_of(payload)
    inserted = await uow.session.execute(
        insert(ReceivedDocument)
        .values(issuer=sender, kind=kind, number=number, digest=digest, jws=jws, received_at=datetime.now(UTC))
        .on_conflict_do_nothing()
        .returning(ReceivedDocument.number)
    )
    if inserted.first() is None:
        first = await uow.session.get(ReceivedDocument, (sender, kind, number), populate_existing=True)
        assert first is not None
        if first.digest != digest:
            raise DocumentNumberReused(f"编号 {number} 的文书已收到过，内容与本次不同，已拒收")
        return {"kind": kind, "number": number, "duplicate": True, **(first.result or {})}
    result = await dispatch(uow, ctx, document, jws)
    await uow.session.execute(
        update(ReceivedDocument)
        .where(ReceivedDocument.issuer == sender, ReceivedDocument.kind == kind, ReceivedDocument.number == number)
        .values(result=result)
    )
    return {"kind": kind, "number": number, "duplicate": False, **result}
