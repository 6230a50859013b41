"""An uploaded contribution file read as it arrives: header first, then one staging record per line."""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from medins.errors import ProblemError
from registration.contributions.csvfile import Line, LineSplitter, split_fields
from registration.contributions.rows import HeaderProblem, RowParser, read_header

MAX_LINE_CHARS = 4096
BLANK = " ,\t"
NO_VALUES = (None,) * 8
#: the columns of the staging table, in the order of the records the upload yields
STAGING_COLUMNS = (
    "line",
    "certno",
    "insutype",
    "month",
    "contribution_base",
    "employer_amount",
    "person_amount",
    "employer_uscc",
    "paid_on",
    "error_code",
    "error_field",
    "error_reason",
    "error_value",
)


class FileHeaderInvalid(ProblemError):
    status = 422
    code = "contribution_file_header_invalid"
    title = "缴费明细文件表头不正确"


class FileEmpty(ProblemError):
    status = 422
    code = "contribution_file_empty"
    title = "缴费明细文件没有数据行"


class ContributionUpload:
    """Reads the file once, in bounded memory; counts the rows and hashes the bytes on the way."""

    def __init__(self, chunks: AsyncIterator[bytes], *, codec: str, period: date, today: date) -> None:
        self._chunks = chunks
        self._splitter = LineSplitter(codec, max_line_chars=MAX_LINE_CHARS)
        self._sha256 = hashlib.sha256()
        self._period = period
        self._today = today
        self._parser: RowParser | None = None
        self.rows = 0
        self.rejected = 0

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    async def _lines(self) -> AsyncIterator[list[Line]]:
        async for chunk in self._chunks:
            if chunk:
                self._sha256.update(chunk)
                lines = self._splitter.feed(chunk)
                if lines:
                    yield lines
        yield self._splitter.finish()

    async def read_header(self) -> AsyncIterator[list[Line]]:
        """Reads up to the header line (the first line that is not blank) and checks it.
        Returns the batches of lines that follow it."""
        batches = self._lines()
        async for lines in batches:
            for i, (number, text) in enumerate(lines):
                if text is None:
                    raise FileHeaderInvalid(f"第 {number} 行（表头）过长，不是缴费明细文件")
                if not text.strip(BLANK):
                    continue
                fields = split_fields(text)
                try:
                    if fields is None:
                        raise HeaderProblem("表头引号不配对")
                    positions = read_header(fields)
                except HeaderProblem as exc:
                    raise FileHeaderInvalid(f"第 {number} 行（表头）：{exc}") from exc
                self._parser = RowParser(positions, period=self._period, today=self._today)
                return self._rest(lines[i + 1 :], batches)
        raise FileEmpty("文件为空，或只有空行")

    async def _rest(self, first: list[Line], batches: AsyncIterator[list[Line]]) -> AsyncIterator[list[Line]]:
        yield first
        async for lines in batches:
            yield lines

    async def parsed_chunks(
        self, batches: AsyncIterator[list[Line]], *, first: int, rows_per_chunk: int, growth: float
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """The staging records of the data lines in chunks of ``first`` records, ``growth`` times as many, …
        up to ``rows_per_chunk``: a good row's values, or a bad row's line and reasons. The lines are checked as
        they arrive; between two pieces of the upload the event loop runs (PostgreSQL's answers and other
        requests wait for one piece at most)."""
        assert self._parser is not None, "read the header first"
        out: list[tuple[Any, ...]] = []
        size = min(first, rows_per_chunk)
        async for lines in batches:
            out.extend(self._parse(lines))
            await asyncio.sleep(0)
            while len(out) >= size:
                chunk, out = out[:size], out[size:]
                yield chunk
                size = min(max(size + 1, int(size * growth)), rows_per_chunk)
        if out:
            yield out

    def _parse(self, lines: list[Line]) -> list[tuple[Any, ...]]:
        stage = self._parser.stage  # type: ignore[union-attr]
        out: list[tuple[Any, ...]] = []
        rejected = 0
        for number, text in lines:
            if text is None:
                reason = f"该行超过 {MAX_LINE_CHARS} 个字符，未读取"
                record: tuple[Any, ...] = (number, *NO_VALUES, "line_too_long", None, reason, None)
            elif '"' in text:
                if not text.strip(BLANK):
                    continue
                fields = split_fields(text)
                if fields is None:
                    record = (number, *NO_VALUES, "quote_unbalanced", None, "该行引号不配对", text[:40])
                else:
                    record = stage(number, [field.strip() for field in fields])
            elif " " in text or "\t" in text:
                if not text.strip(BLANK):
                    continue  # Excel writes rows of bare commas
                record = stage(number, [field.strip() for field in text.split(",")])
            elif not text.strip(","):
                continue
            else:
                record = stage(number, text.split(","))
            out.append(record)
            if record[9] is not None:
                rejected += 1
        self.rows += len(out)
        self.rejected += rejected
        return out
