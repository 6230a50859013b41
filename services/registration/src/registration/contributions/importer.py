"""Use case: import one contribution file (缴费明细批次) as one transaction, set-based.

1. The upload is parsed as it arrives and streamed with one binary ``COPY`` into a temporary staging
   table: good rows with their values, bad rows with their line and reasons. Memory stays flat.
2. One ``INSERT … SELECT … ON CONFLICT DO NOTHING`` records the good rows of registered persons, first
   line first. When it recorded all good rows (a clean monthly file), that is all.
3. Otherwise one statement tells why each other good row was not recorded: a repeat of an earlier line,
   a person not registered, a month recorded before with the same amounts (unchanged) or other ones.
4. One statement writes the row report; the events are written one part at a time from a cursor.

Imports take an advisory lock, so two batches never classify the same rows at the same time; a
failure anywhere rolls everything back: a batch is imported whole or not at all.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import make_envelope
from medins.bus.outbox import add_to_outbox
from medins.context import current_correlation_id
from medins.db import UnitOfWork
from medins.errors import Conflict
from registration.contributions import sql
from registration.contributions.domain import format_month
from registration.contributions.models import ContributionBatch
from registration.contributions.upload import STAGING_COLUMNS, ContributionUpload, FileEmpty
from registration.events import ContributionBatchImported, ContributionRecorded

#: pg_advisory_xact_lock key of contribution imports (one at a time per database)
IMPORT_LOCK = 0x5245_4743_4F4E  # "REGCON"
#: persons per registration.contribution.recorded.v1 message (some 60 bytes each)
PERSONS_PER_EVENT = 1000

REASONS = {
    "duplicate": "与第 %s 行重复（同一人员、险种、费款所属期）",
    "unknown": "该身份证号在本统筹区没有参保登记，请先办理参保登记",
    "conflict": "该人员 %s 的缴费记录已由批次 %s 导入且金额不同；更正请办理补缴或更正业务",
}


class BatchAlreadyImported(Conflict):
    code = "contribution_batch_duplicate"
    title = "该缴费明细文件已导入"


class ConcurrentChange(Conflict):
    code = "contribution_records_changed"
    title = "导入期间缴费记录被修改，请重新导入"


async def _asyncpg(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's transaction (for COPY)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None and driver.is_in_transaction(), "COPY must run in the unit of work's transaction"
    return driver


async def import_batch(
    uow: UnitOfWork,
    *,
    chunks: AsyncIterator[bytes],
    codec: str,
    period: date,
    source: str,
    file_name: str | None,
    actor: str,
    today: date,
) -> uuid.UUID:
    """Imports a contribution file and commits; returns the batch id. Bad rows are reported, not fatal."""
    session = uow.session
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    await session.execute(sql.CREATE_STAGING)
    await session.execute(sql.CREATE_LEFTOVER)
    batch = ContributionBatch(
        id=uuid.uuid4(),
        source=source,
        period=period,
        status="importing",
        file_name=file_name,
        region=uow.region,
        created_by=actor,
        created_at=datetime.now(UTC),
    )
    session.add(batch)
    await session.flush()

    upload = ContributionUpload(chunks, codec=codec, period=period, today=today)
    rest = await upload.read_header()
    pg = await _asyncpg(session)
    await pg.copy_records_to_table("contribution_staging", records=upload.records(rest), columns=STAGING_COLUMNS)
    if upload.rows == 0:
        raise FileEmpty("文件只有表头，没有数据行")
    earlier = await session.scalar(
        text("SELECT id FROM contribution_batch WHERE source = :source AND file_sha256 = :sha256"),
        {"source": source, "sha256": upload.sha256},
    )
    if earlier is not None:
        raise BatchAlreadyImported(f"同一文件已于批次 {earlier} 导入，无需重复导入", extra={"batch_id": str(earlier)})

    params = {"batch_id": batch.id}
    good = upload.rows - upload.rejected
    await session.execute(sql.ANALYZE_STAGING)
    recorded = (await session.execute(sql.RECORD, params)).rowcount  # type: ignore[attr-defined]
    verdicts: dict[str, int] = {}
    if recorded < good:
        await session.execute(sql.LEFTOVERS, params)
        verdicts = {verdict: count for verdict, count in await session.execute(sql.COUNT_LEFTOVERS)}
        if recorded + sum(verdicts.values()) != good:
            raise ConcurrentChange("其他业务在导入期间写入了相同人员、险种、月份的缴费记录")
    await session.execute(sql.REPORT, params | REASONS)
    parts = await _publish_parts(uow, pg, batch)

    batch.rows_total = upload.rows
    batch.rows_recorded = recorded
    batch.rows_unchanged = verdicts.get("unchanged", 0)
    batch.rows_rejected = upload.rows - recorded - batch.rows_unchanged
    batch.status = "completed_with_errors" if batch.rows_rejected else "completed"
    batch.file_sha256 = upload.sha256
    uow.publish(
        ContributionBatchImported(
            batch_id=batch.id,
            source=source,
            period=format_month(period),
            rows_total=batch.rows_total,
            rows_recorded=batch.rows_recorded,
            rows_unchanged=batch.rows_unchanged,
            rows_rejected=batch.rows_rejected,
            parts=parts,
            imported_at=batch.created_at,
        )
    )
    await session.flush()
    await uow.commit()
    return batch.id


async def _publish_parts(uow: UnitOfWork, pg: Any, batch: ContributionBatch) -> int:
    """registration.contribution.recorded.v1 for the new months: one message per (insutype, month) and
    up to ``PERSONS_PER_EVENT`` persons, written to the outbox as the rows come from a cursor, so that
    memory stays flat however big the batch. Returns the number of parts."""
    part = 0
    group: tuple[str, str] | None = None
    persons: list[dict[str, str]] = []

    async def flush() -> None:
        nonlocal part
        assert group is not None
        part += 1
        event = ContributionRecorded(
            batch_id=batch.id,
            source=batch.source,
            period=format_month(batch.period),
            part=part,
            insutype=group[0],
            month=group[1],
            persons=[],
        )
        envelope = make_envelope(event, source=uow.source, region=uow.region, correlation_id=current_correlation_id())
        # the persons are the database's own rows: checking them again one model at a time would cost more
        # than the whole import, so they go into the validated envelope as they are
        await add_to_outbox(uow.session, envelope.model_copy(update={"data": envelope.data | {"persons": persons}}))

    cursor = await pg.cursor(sql.NEW_MONTHS)
    while rows := await cursor.fetch(PERSONS_PER_EVENT):
        for insutype, month, psn_no, certno in rows:
            if (insutype, month) != group or len(persons) == PERSONS_PER_EVENT:
                if persons:
                    await flush()
                group, persons = (insutype, month), []
            persons.append({"psn_no": psn_no, "certno": certno})
    if persons:
        await flush()
    return part
