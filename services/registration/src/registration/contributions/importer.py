"""Use case: import one contribution file (缴费明细批次) as one transaction, set-based, in chunks.

1. The upload is read and checked as it arrives, up to ``CHUNK_ROWS`` lines to a chunk. Each chunk goes with
   one binary ``COPY`` into its own partition of a temporary staging table (good rows with their values,
   bad rows with their line and reasons); memory stays flat.
2. One statement per chunk records its good rows of registered persons (``INSERT … SELECT``; again with
   ``ON CONFLICT DO NOTHING`` when it meets a month already recorded, first line first) and writes their
   events into the outbox. PostgreSQL runs it while the service reads and checks the next chunk.
3. When all good rows were recorded (a clean monthly file), that is all. Otherwise one statement over the
   whole staging table tells why each other good row was not recorded: a repeat of an earlier line, a
   person not registered, a month recorded before with the same amounts (unchanged) or other ones.
4. One statement writes the row report.

Imports take an advisory lock, so two batches never classify the same rows at the same time; a
failure anywhere rolls everything back: a batch is imported whole or not at all.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import make_envelope
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
#: lines checked and recorded together: small enough that checking one chunk and recording the last one
#: overlap well, large enough that a chunk's statements cost little besides their rows
CHUNK_ROWS = 20_000
#: the first chunk is smaller and the next ones grow to ``CHUNK_ROWS``, so that PostgreSQL starts recording
#: soon after the upload begins and has a chunk to record while the service checks the next one
FIRST_CHUNK_ROWS = 1_000
#: each chunk this many times the one before: slowly enough that the service's check of the next chunk (3.4 µs
#: a row) never takes longer than PostgreSQL's recording of this one (4.5 µs a row), else PostgreSQL waits; at 2
#: it waited some 35 ms of a 100,000-row file while the chunks were small
CHUNK_GROWTH = 1.3

REASONS = {
    "duplicate": "与第 %s 行重复（同一人员、险种、费款所属期）",
    "unknown": "该身份证号在本统筹区没有参保登记，请先办理参保登记",
    "conflict": (
        "该人员 %s 的缴费记录已由批次 %s 导入且金额不同，本行未导入，原记录保留；金额有误的，请税务部门核实后处理"
    ),
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
    recorder = _ChunkRecorder(pg, uow, batch)
    try:
        async for records in upload.parsed_chunks(
            rest, first=FIRST_CHUNK_ROWS, rows_per_chunk=CHUNK_ROWS, growth=CHUNK_GROWTH
        ):
            await recorder.add(records)
        await recorder.finish()
    except BaseException:
        await recorder.abandon()
        raise
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
    recorded = recorder.recorded
    verdicts: dict[str, int] = {}
    if recorded < good:
        await session.execute(sql.ANALYZE_STAGING)
        await session.execute(sql.LEFTOVERS, params)
        verdicts = {verdict: count for verdict, count in await session.execute(sql.COUNT_LEFTOVERS)}
        if recorded + sum(verdicts.values()) != good:
            raise ConcurrentChange("其他业务在导入期间写入了相同人员、险种、月份的缴费记录")
        if verdicts.get("not_recorded"):  # a person registered while the file went in, whom its chunk did not see
            raise ConcurrentChange("导入期间有人员办理了参保登记，请重新导入")
    if upload.rejected or verdicts.keys() - {"unchanged"}:  # a clean file has nothing to report
        await session.execute(sql.REPORT, params | REASONS)

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
            parts=recorder.parts,
            imported_at=batch.created_at,
        )
    )
    await session.flush()
    await uow.commit()
    return batch.id


class _ChunkRecorder:
    """Stages the checked chunks one by one and has PostgreSQL record each while the next one is checked.

    A chunk is copied into its own partition of the staging table; then its statement (record the rows,
    publish them) is sent and left running: the service goes on reading and checking the next chunk
    meanwhile, on the same thread, and collects the answer before it stages that one. The connection
    does nothing else while the statement runs."""

    def __init__(self, pg: Any, uow: UnitOfWork, batch: ContributionBatch) -> None:
        self._pg = pg
        self._batch_id = batch.id
        self._running: asyncio.Future[Any] | None = None
        self._chunk = ""
        self._certnos: tuple[str | None, str | None] = (None, None)
        self.recorded = 0
        self.parts = 0
        event = ContributionRecorded(
            batch_id=batch.id,
            source=batch.source,
            period=format_month(batch.period),
            part=1,
            insutype="@insutype@",
            month="@month@",
            persons=[],
        )
        envelope = make_envelope(event, source=uow.source, region=uow.region, correlation_id=current_correlation_id())
        template = envelope.model_copy(update={"data": envelope.data | {"part": "@part@", "persons": "@persons@"}})
        self._event = (envelope.type, template.model_dump_json(), str(envelope.id), envelope.time)

    async def _statement(self, query: str) -> Any:
        # prepared for this chunk only (not kept in the connection's statement cache): its partition's
        # name is part of the text, and it is planned with this chunk's range of 身份证号
        return await self._pg.prepare(query.replace("{chunk}", self._chunk))

    def _arguments(self) -> tuple[Any, ...]:
        event_type, template, template_id, created_at = self._event
        lowest, highest = self._certnos
        return (
            self._batch_id,
            lowest,
            highest,
            template,
            template_id,
            created_at,
            PERSONS_PER_EVENT,
            self.parts,
            event_type,
        )

    async def add(self, records: list[tuple[Any, ...]]) -> None:
        # the chunk's lowest and highest 身份证号 (a bad row's is None), computed while PostgreSQL records the last
        # chunk. Two checked numbers differ in their first 17 digits (the 18th is computed from them), where C,
        # glibc and ICU's default collations order them as Python does (not a numeric ICU collation, kn-true: a
        # person outside the range would not be recorded, and the import refuses itself, see "not_recorded")
        certnos = [record[1] for record in records if record[1] is not None]
        bounds = (min(certnos), max(certnos)) if certnos else (None, None)
        before = await self._collect()
        if not self._chunk:  # the first chunk
            # a chunk is small next to the register: looking its persons up by the certno index, or reading
            # the index over the chunk's range of 身份证号 (a file in their order), costs less than hashing the
            # whole register for every chunk, and the more so the bigger the city
            before += "SET LOCAL enable_hashjoin = off; "
        first, next_line = records[0][0], records[-1][0] + 1
        chunk = f"contribution_staging_{first}"
        await self._pg.execute(before + sql.CREATE_CHUNK.format(chunk=chunk, first=first, next=next_line))
        await self._pg.copy_records_to_table(chunk, records=records, columns=STAGING_COLUMNS)
        self._chunk, self._certnos = chunk, bounds
        statement = await self._statement(sql.RECORD_CHUNK)
        await self._pg.execute("SAVEPOINT contribution_chunk")
        self._running = asyncio.ensure_future(statement.fetchrow(*self._arguments()))
        await asyncio.sleep(0)  # the statement is sent; PostgreSQL works on it while the next chunk is checked

    async def _collect(self) -> str:
        """Waits for the running chunk's answer; returns the statement that ends its savepoint, to be sent
        with the next command."""
        running, self._running = self._running, None
        if running is None:
            return ""
        try:
            row = await running
        except asyncpg.UniqueViolationError:
            await self._pg.execute("ROLLBACK TO SAVEPOINT contribution_chunk")
            statement = await self._statement(sql.RECORD_CHUNK_SKIPPING)
            row = await statement.fetchrow(*self._arguments())
        self.recorded += row["recorded"]
        self.parts += row["parts"]
        return "RELEASE SAVEPOINT contribution_chunk; "

    async def finish(self) -> None:
        release = await self._collect()
        await self._pg.execute(release + "SET LOCAL enable_hashjoin = on")  # the whole-file statements hash

    async def abandon(self) -> None:
        """After a failure elsewhere: waits for a running statement (its work is rolled back with the rest)."""
        running, self._running = self._running, None
        if running is not None:
            await asyncio.gather(running, return_exceptions=True)
