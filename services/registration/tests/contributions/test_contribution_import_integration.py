"""Importing contribution files into a real PostgreSQL: kept, reported, idempotent, whole or not at all."""

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from medins.bus.envelope import Envelope
from registration.contributions import importer, service
from registration.contributions.csvfile import FileNotDecodable
from registration.contributions.domain import InsuType
from registration.contributions.importer import BatchAlreadyImported
from registration.contributions.upload import FileEmpty, FileHeaderInvalid
from registration.events import ContributionBatchImported, ContributionRecorded

from .conftest import HEADER, Db, certno, csv, row

pytestmark = pytest.mark.integration

A, B, C, D = certno(1), certno(2), certno(3), certno(4)
UNKNOWN = certno(999)


@pytest.fixture(autouse=True, params=["one chunk", "chunks of 2 lines"])
def chunked(request, monkeypatch) -> None:
    """Every import of this module twice: the file in one chunk, and in chunks of two lines, so that
    repeats, recorded months and bad rows fall into other chunks than the rows they concern."""
    if request.param == "chunks of 2 lines":
        monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
        monkeypatch.setattr(importer, "FIRST_CHUNK_ROWS", 1)


async def test_good_rows_are_kept_and_every_bad_row_is_reported_with_its_line_and_reason(db: Db):
    await db.persons(A, B, C, D)
    data = csv(
        row(A),  # 2
        row(B, insutype="510", employer="40.00", person="0"),  # 3
        row(A[:-1] + ("1" if A[-1] != "1" else "2")),  # 4 check digit
        row(C, month="2024-3"),  # 5
        row(C, insutype="320"),  # 6
        "",  # 7 blank
        row(D, person="-5.00"),  # 8
        row(D, employer="四百"),  # 9
        row(A),  # 10 repeats line 2
        row(UNKNOWN),  # 11
        f'{C},"张,三",390,2024-02,,0,350.00,,2024-03-01',  # 12 a resident, quoted name with a comma
        f'{D},"张三,310,2024-03',  # 13 unclosed quote
    )
    batch_id = await db.import_file(data)

    async with db.sessionmaker() as session:
        batch = await service.get_batch(session, batch_id)
    assert (batch.rows_total, batch.rows_recorded, batch.rows_unchanged, batch.rows_rejected) == (11, 3, 0, 8)
    assert batch.status == "completed_with_errors" and batch.period == "2024-03"
    report = {r.line: (r.code, r.reason) for r in batch.rejections}
    assert sorted(report) == [4, 5, 6, 8, 9, 10, 11, 13]
    assert report[4][0] == "certno_invalid" and "校验码" in report[4][1]
    assert report[5][0] == "month_invalid" and "费款所属期格式不正确" in report[5][1]
    assert report[6][0] == "insutype_invalid"
    assert report[8] == ("amount_invalid", "个人缴费金额不能为负数")
    assert report[9][0] == "amount_invalid" and "单位缴费金额格式不正确" in report[9][1]
    assert report[10] == ("duplicate_in_file", "与第 2 行重复（同一人员、险种、费款所属期）")
    assert report[11][0] == "person_not_registered" and "没有参保登记" in report[11][1]
    assert report[13] == ("quote_unbalanced", "该行引号不配对")
    assert next(r for r in batch.rejections if r.line == 11).value == UNKNOWN[:6] + "********" + UNKNOWN[-4:]

    async with db.engine.connect() as conn:
        records = (
            await conn.execute(
                text(
                    "SELECT p.certno, r.insutype, r.month, r.contribution_base, r.employer_amount, r.person_amount, "
                    "r.line FROM contribution_record r JOIN insured_person p ON p.id = r.person_id ORDER BY r.line"
                )
            )
        ).all()
    assert [tuple(r) for r in records] == [
        (A, "310", date(2024, 3, 1), Decimal("5000.00"), Decimal("400.00"), Decimal("100.00"), 2),
        (B, "510", date(2024, 3, 1), Decimal("5000.00"), Decimal("40.00"), Decimal("0.00"), 3),
        (C, "390", date(2024, 2, 1), None, Decimal("0.00"), Decimal("350.00"), 12),
    ]


async def test_the_batch_publishes_its_new_months_in_parts_and_a_summary(db: Db, monkeypatch):
    monkeypatch.setattr(importer, "PERSONS_PER_EVENT", 2)
    numbers = [certno(n) for n in range(10, 15)]
    await db.persons(*numbers)
    rows = [*(row(n) for n in numbers), row(numbers[0], month="2024-02"), row(numbers[1], insutype="510"), row(UNKNOWN)]
    batch_id = await db.import_file(csv(*rows))

    envelopes = [Envelope.model_validate(e) for e in await db.events()]
    parts = [
        ContributionRecorded.model_validate(e.data) for e in envelopes if e.type == ContributionRecorded.event_type
    ]
    (summary,) = [
        ContributionBatchImported.model_validate(e.data)
        for e in envelopes
        if e.type == ContributionBatchImported.event_type
    ]
    assert summary.batch_id == batch_id and (summary.rows_recorded, summary.rows_rejected) == (7, 1)
    parts.sort(key=lambda p: p.part)
    assert [p.part for p in parts] == list(range(1, summary.parts + 1)) and {p.batch_id for p in parts} == {batch_id}
    assert all(1 <= len(p.persons) <= 2 for p in parts)  # PERSONS_PER_EVENT
    persons: dict[tuple[str, str], list[str]] = {}
    for p in parts:  # a month's persons over its parts, in the order of the parts: the file's order
        persons.setdefault((p.insutype, p.month), []).extend(x.certno for x in p.persons)
    assert persons == {
        ("310", "2024-02"): [numbers[0]],
        ("310", "2024-03"): numbers,
        ("510", "2024-03"): [numbers[1]],
    }
    assert all(x.psn_no.startswith("431000") for p in parts for x in p.persons)
    assert len({e.id for e in envelopes}) == len(envelopes) == summary.parts + 1
    assert {e.region for e in envelopes} == {"431000"} and {e.source for e in envelopes} == {"registration"}


async def test_importing_recorded_months_again_changes_nothing_and_the_same_file_is_refused(db: Db):
    await db.persons(A, B, C)
    first = csv(row(A), row(B))
    await db.import_file(first)
    before = await db.counts()

    with pytest.raises(BatchAlreadyImported) as refused:
        await db.import_file(first)
    assert refused.value.status == 409 and refused.value.code == "contribution_batch_duplicate"
    assert await db.counts() == before

    # a corrected file: A again as it was, B with another amount, C new
    second = await db.import_file(csv(row(A), row(B, employer="450.00"), row(C)))
    async with db.sessionmaker() as session:
        batch = await service.get_batch(session, second)
    assert (batch.rows_recorded, batch.rows_unchanged, batch.rows_rejected) == (1, 1, 1)
    (conflict,) = batch.rejections
    assert conflict.line == 3 and conflict.code == "conflicts_recorded" and "2024-03 310" in conflict.reason
    employer_amount = await db.scalar(
        "SELECT employer_amount FROM contribution_record r JOIN insured_person p ON p.id = r.person_id "
        "WHERE p.certno = :certno",
        certno=B,
    )
    assert employer_amount == Decimal("400.00")  # not overwritten


async def test_nothing_is_kept_when_the_database_refuses_the_batch(db: Db):
    await db.persons(A, B)
    async with db.engine.begin() as conn:  # stands in for any constraint the database enforces and the file breaks
        await conn.execute(
            text("ALTER TABLE contribution_record ADD CONSTRAINT test_cap CHECK (employer_amount < 100000)")
        )
    with pytest.raises(Exception, match="test_cap"):
        await db.import_file(csv(row(A), row(B, employer="200000.00"), row(UNKNOWN)))
    assert await db.counts() == {
        "contribution_batch": 0,
        "contribution_record": 0,
        "contribution_rejection": 0,
        "outbox": 0,
    }


async def test_a_file_that_breaks_mid_stream_leaves_nothing_and_the_connection_is_usable(db: Db):
    numbers = [certno(n) for n in range(100, 400)]
    await db.persons(*numbers)
    good = csv(*(row(n) for n in numbers))
    with pytest.raises(FileNotDecodable, match="第 302 行附近"):
        await db.import_file(good + "张三".encode("gb18030") + b"\n")
    assert (await db.counts())["contribution_record"] == 0
    batch_id = await db.import_file(good)  # the same pool, the next import runs normally
    assert (await db.counts())["contribution_record"] == 300 and batch_id


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", FileEmpty, "文件为空"),
        (b"\n\n", FileEmpty, "文件为空"),
        ((HEADER + "\n").encode(), FileEmpty, "只有表头"),
        (b"name,amount\n1,2\n", FileHeaderInvalid, "第 1 行（表头）：表头缺少以下列：身份证号（certno）"),
        (b"x" * 5000 + b"\n", FileHeaderInvalid, "过长"),
    ],
)
async def test_a_file_without_a_header_or_rows_is_refused_whole(db: Db, data, error, message):
    with pytest.raises(error, match=message) as refused:
        await db.import_file(data)
    assert refused.value.status == 422
    assert (await db.counts())["contribution_batch"] == 0


async def test_insured_periods_merge_months_across_batches_with_the_counts(db: Db):
    await db.persons(A, B)
    months_2023 = [f"2023-{n:02d}" for n in range(1, 13) if n != 6]  # a gap in June
    await db.import_file(csv(*(row(A, month=m) for m in months_2023)), period=date(2023, 12, 1))
    await db.import_file(csv(row(A, month="2024-01"), row(A, month="2024-02"), row(A, insutype="510", month="2024-02")))

    async with db.sessionmaker() as session:
        periods = await service.insured_periods(session, certno=A, as_of=date(2024, 3, 10), insutype=None)
        only_510 = await service.insured_periods(
            session, certno=A, as_of=date(2024, 3, 10), insutype=InsuType.maternity
        )
        nothing = await service.insured_periods(session, certno=B, as_of=date(2024, 3, 10), insutype=None)
    employee = next(i for i in periods.insurances if i.insutype == "310")
    assert [(p.start, p.end, p.months) for p in employee.periods] == [
        ("2023-01", "2023-05", 5),
        ("2023-07", "2024-02", 8),
    ]
    assert (employee.actual_months, employee.deemed_months, employee.cumulative_months) == (13, 0, 13)
    assert employee.continuous_months == 8 and employee.last_month == "2024-02" and not employee.insured_in_month
    assert [i.insutype for i in only_510.insurances] == ["510"] and only_510.insurances[0].actual_months == 1
    assert periods.certno_masked == A[:6] + "********" + A[-4:]
    assert nothing.insurances == []

    # June back-paid (法定断档补缴) and the person retired with 24 deemed months (样表4): one period, 38 months
    await db.backpay_and_retire(A, month="2023-06", deemed_months=24)
    async with db.sessionmaker() as session:
        periods = await service.insured_periods(
            session, certno=A, as_of=date(2024, 3, 10), insutype=InsuType.employee_medical
        )
    (employee,) = periods.insurances
    assert [(p.start, p.end, p.months) for p in employee.periods] == [("2023-01", "2024-02", 14)]
    assert (employee.actual_months, employee.backpaid_months, employee.deemed_months) == (14, 1, 24)
    assert (employee.cumulative_months, employee.continuous_months) == (38, 14)


async def test_the_row_report_pages_by_line(db: Db):
    await db.persons(A)
    await db.import_file(csv(row(A), *(row(certno(500 + n)) for n in range(5))))
    batch_id = await db.scalar("SELECT id FROM contribution_batch")
    async with db.sessionmaker() as session:
        first = await service.get_batch(session, batch_id, limit=2)  # type: ignore[arg-type]
        assert [r.line for r in first.rejections] == [3, 4] and first.next_after_line == 4
        rest = await service.get_batch(session, batch_id, after_line=4, limit=10)  # type: ignore[arg-type]
        assert [r.line for r in rest.rejections] == [5, 6, 7] and rest.next_after_line is None


@pytest.mark.parametrize("order", ["in the order of 身份证号", "shuffled"])
@pytest.mark.parametrize("join", ["enable_mergejoin", "enable_nestloop"])
async def test_a_chunk_finds_its_persons_whichever_way_the_database_joins_them(db: Db, order, join):
    """A chunk's persons are looked up over its range of 身份证号: by the index for each row, or by reading the
    index over the range (a file in their order); the planner chooses, and either way gives the same records.
    Unregistered persons in the middle of the range and bad rows (no 身份证号 staged) are reported, not joined."""
    numbers = [certno(n) for n in range(200, 260)]
    registered = [n for i, n in enumerate(numbers) if i % 7 != 3]  # every 7th one (from the 4th) not registered
    await db.persons(*registered)
    rows = [row(n) for n in numbers] + [row(numbers[5], person="-1")]
    if order == "shuffled":
        random.Random(7).shuffle(rows)
    async with db.engine.begin() as conn:  # the other way of joining off for this database's new sessions
        await conn.execute(text(f"ALTER DATABASE {db.engine.url.database} SET {join} = off"))
    await db.engine.dispose()

    batch_id = await db.import_file(csv(*rows))

    async with db.sessionmaker() as session:
        batch = await service.get_batch(session, batch_id)
    recorded = await db.scalar(
        "SELECT array_agg(p.certno ORDER BY p.certno) FROM contribution_record r JOIN insured_person p "
        "ON p.id = r.person_id"
    )
    assert recorded == sorted(registered)
    assert (batch.rows_total, batch.rows_recorded, batch.rows_rejected) == (61, len(registered), 61 - len(registered))
    codes = sorted(r.code for r in batch.rejections)
    assert codes == ["amount_invalid"] + ["person_not_registered"] * (60 - len(registered))


async def test_a_row_its_chunk_did_not_find_refuses_the_import_rather_than_report_a_wrong_reason(db: Db, monkeypatch):
    """A registered person's row that its chunk's statement did not find (the person registered while the file
    went in, or a collation that orders 身份证号 otherwise than the service) is neither recorded nor reported as
    something it is not: the import refuses itself (409) and keeps nothing."""
    await db.persons(A, B, C)
    assert A < B < C
    arguments = importer._ChunkRecorder._arguments

    def narrowed(self) -> tuple:  # the chunk's lowest 身份证号 raised to B: A falls outside the range
        batch_id, lowest, highest, *rest = arguments(self)
        return (batch_id, max(lowest, B) if lowest else lowest, highest, *rest)

    monkeypatch.setattr(importer._ChunkRecorder, "_arguments", narrowed)
    with pytest.raises(importer.ConcurrentChange) as refused:
        await db.import_file(csv(row(A), row(B), row(C)))
    assert refused.value.status == 409 and "参保登记" in str(refused.value.detail)
    assert await db.counts() == {
        "contribution_batch": 0,
        "contribution_record": 0,
        "contribution_rejection": 0,
        "outbox": 0,
    }
