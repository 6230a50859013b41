"""Reading an uploaded CSV file as it arrives: bytes → numbered lines → fields, in bounded memory, no I/O.

The file is never held whole: bytes are decoded incrementally and cut into lines; only the unfinished
last line of a chunk is kept until the next one. A line longer than ``max_line_chars`` is not kept at
all: it is reported by number and skipped up to its end. One record per line: a quoted field may hold
commas and quotes, not line breaks.
"""

import codecs
import csv
from collections.abc import Iterator

from medins.errors import ProblemError

#: charsets a contribution file may be declared in (``Content-Type: text/csv; charset=...``)
CHARSETS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
}


class UnsupportedCharset(ProblemError):
    status = 415
    code = "unsupported_charset"
    title = "不支持的文件编码"


class FileNotDecodable(ProblemError):
    status = 422
    code = "contribution_file_encoding"
    title = "文件编码与声明不符"


def codec_for(charset: str | None) -> str:
    """The Python codec of a declared charset (UTF-8 when none is declared; a BOM is dropped)."""
    name = (charset or "utf-8").strip().strip('"').lower()
    if name not in CHARSETS:
        raise UnsupportedCharset(f"文件编码 {charset} 不受支持，请使用 UTF-8 或 GB18030（GBK）")
    return CHARSETS[name]


#: (1-based physical line number, its text or None when it was longer than the limit and skipped)
Line = tuple[int, str | None]


class LineSplitter:
    """Feeds on byte chunks, hands back the complete lines seen so far."""

    def __init__(self, codec: str, *, max_line_chars: int = 4096) -> None:
        self._decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        self._codec = codec
        self._pending = ""
        self._skipping = False  # inside a line that is too long, until its end
        self._max = max_line_chars
        self.lines_seen = 0

    def _decode(self, chunk: bytes, final: bool) -> str:
        try:
            return self._decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            charset = "UTF-8" if self._codec.startswith("utf") else "GB18030"
            line = self.lines_seen + chunk[: exc.start].count(b"\n") + 1
            raise FileNotDecodable(
                f"第 {line} 行附近的内容不是 {charset} 编码，请按声明的编码保存文件"
                "（Content-Type: text/csv; charset=utf-8 或 gb18030）"
            ) from exc

    def feed(self, chunk: bytes, *, final: bool = False) -> list[Line]:
        parts = (self._pending + self._decode(chunk, final)).split("\n")
        tail = parts.pop()  # the unfinished last line ("" right after a newline)
        out: list[Line] = []
        for part in parts:
            self.lines_seen += 1
            if self._skipping:
                self._skipping = False  # the end of a long line, reported when it began
            else:
                out.append((self.lines_seen, None if len(part) > self._max else part.removesuffix("\r")))
        self._pending = ""
        if final:
            if self._skipping:
                self.lines_seen += 1
                self._skipping = False
            elif tail:
                self.lines_seen += 1
                out.append((self.lines_seen, None if len(tail) > self._max else tail.removesuffix("\r")))
        elif len(tail) > self._max:
            if not self._skipping:
                out.append((self.lines_seen + 1, None))
                self._skipping = True
        else:
            self._pending = tail
        return out

    def finish(self) -> list[Line]:
        return self.feed(b"", final=True)


def split_fields(text: str) -> list[str] | None:
    """The fields of one CSV line; None when its quotes do not close."""
    if '"' not in text:
        return text.split(",")
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error:
        return None


def iter_lines(chunks: Iterator[bytes], codec: str) -> Iterator[Line]:
    """All lines of an in-memory sequence of chunks (tests and small files)."""
    splitter = LineSplitter(codec)
    for chunk in chunks:
        yield from splitter.feed(chunk)
    yield from splitter.finish()
