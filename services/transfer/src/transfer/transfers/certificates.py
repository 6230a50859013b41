"""出具《参保凭证》 (样表14) from what registration's events told this service about the person."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.db import UnitOfWork
from transfer.context import TransferContext
from transfer.persons.service import (
    balance_of,
    contribution_months,
    last_insured_month,
    month_of,
    paid_months,
    stopped_enrolment,
)
from transfer.transfers.casework import add_document, next_sequence
from transfer.transfers.documents import InsuranceCertificate, InsuranceInfoTable
from transfer.transfers.domain import TransferDirection, TransferStatus, certificate_number
from transfer.transfers.forms import certificate_form
from transfer.transfers.models import IssuedCertificate, Transfer

CERTIFICATE_ITEM = "insurance_certificate"


async def transferred_in_months(uow: UnitOfWork, certno: str) -> int:
    """Months the person brought here by earlier transfers in (their 信息表 rows)."""
    query = select(Transfer.info_table).where(
        Transfer.certno == certno,
        Transfer.direction == str(TransferDirection.inbound),
        Transfer.status == str(TransferStatus.completed),
    )
    tables = [InsuranceInfoTable.model_validate(t) for t in (await uow.session.scalars(query)).all() if t]
    return sum(table.total_months for table in tables)


async def issue_certificate(
    uow: UnitOfWork, ctx: TransferContext, *, case: RowMapping, form: dict[str, Any]
) -> InsuranceCertificate:
    """The certificate of a stopped person (限因流动就业等原因已办理停保的人员): periods, months, balance.

    其中累计实际缴费月数 = the months paid here (缴费记录 and 补缴, from registration's events), the months of the
    enrolment before the first record, and the months earlier transfers brought in (their 信息表)."""
    existing = await uow.session.scalar(select(IssuedCertificate).where(IssuedCertificate.case_no == case["case_no"]))
    if existing is not None:
        return InsuranceCertificate.model_validate(existing.body)
    certno = case["applicant_id"]
    enrolment = await stopped_enrolment(uow.session, certno)
    today = ctx.today()
    start = month_of(enrolment.start_on) if enrolment.start_on else last_insured_month(enrolment.stopped_on, today)
    end = last_insured_month(enrolment.stopped_on, today)
    number = certificate_number(ctx.region, today.year, await next_sequence(uow.session, "certificate", today.year))
    certificate = InsuranceCertificate(
        certificate_no=number,
        issued_on=today,
        name=enrolment.name,
        certno=certno,
        household_place=form.get("household_place"),
        household_type=form.get("household_type"),
        insutype=enrolment.insutype if enrolment.insutype in ("310", "390") else "other",
        origin_region=ctx.region,
        origin_name=ctx.region_name,
        period_start=start,
        period_end=end,
        cumulative_months=contribution_months(start, end, await paid_months(uow.session, certno, enrolment.insutype))
        + await transferred_in_months(uow, certno),
        balance=await balance_of(uow.session, certno),
        agency=ctx.agency,
    )
    body = certificate.model_dump(mode="json")
    uow.session.add(
        IssuedCertificate(
            certificate_no=number,
            certno=certno,
            case_no=case["case_no"],
            body=body,
            jws=ctx.signer.sign_document(body),
            issued_on=today,
            created_at=datetime.now(UTC),
        )
    )
    await add_document(uow, case["id"], "certificate", certificate_form(certificate, ctx.region_name))
    return certificate


def completion_handler(ctx: TransferContext):  # type: ignore[no-untyped-def]
    """The case kit's completion handler of 出具《参保凭证》 (即时办结): the certificate is the result."""

    async def complete(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
        certificate = await issue_certificate(uow, ctx, case=case, form=case["form"] or {})
        return {
            "certificate_no": certificate.certificate_no,
            "balance": f"{certificate.balance:.2f}",
            "cumulative_months": certificate.cumulative_months,
        }

    return complete
