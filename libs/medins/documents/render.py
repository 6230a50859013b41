"""Fill a form with data (a JSON document) and print it as a PDF with an embedded CJK font.

``notice_json`` / ``receipt_json`` check the data against the form's fields and return the document as
plain JSON (to store, to send, to render later). ``render_pdf`` prints such a document.

``render_pdf`` is CPU-bound, blocking work (font parsing and subsetting, ~0.1–0.3 s a document): never
call it on the event loop. From async code use ``await render_pdf_async(document)``, which is
``asyncio.to_thread(render_pdf, document)``. Each call builds its own ``FPDF``, so calls may run in
parallel threads; fpdf2 is pure Python, so threads keep the loop responsive but do not add throughput
(use a process pool for bulk printing).
"""

import asyncio
import functools
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from medins.documents.forms import GENERAL_RECEIPT, NOTICE_A1, RECEIPT_FORMS, Form

FONT_ENV = "MEDINS_PDF_FONT"
"""Environment variable naming a TrueType font (.ttf/.ttc) to use instead of the bundled one."""

# WenQuanYi Micro Hei (TrueType outlines, so fpdf2 embeds and subsets it as a CIDFontType2 with a
# ToUnicode map: the text can be extracted back). Shipped on PyPI by paperang-p2-fonts-cjk; the file is
# byte-identical to Debian's fonts-wqy-microhei, whose path is the fallback.
_FONT_PACKAGE = "paperang_p2_fonts_cjk"
_FONT_FILE = "fonts/wqy-microhei.ttc"
_FONT_FALLBACKS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",)
_FAMILY = "cjk"

_LABEL_STYLE = FontFace(fill_color=(242, 242, 242))


def notice_json(data: Mapping[str, Any], *, agency: str | None = None) -> dict[str, Any]:
    """未予受理一次性告知单 (表 A.1) filled with ``data`` (field key → value)."""
    return _document(NOTICE_A1, data, agency)


def receipt_json(form: str, data: Mapping[str, Any], *, agency: str | None = None) -> dict[str, Any]:
    """业务回执单 ``form`` ("B.1" … "B.13") filled with ``data`` (field key → value)."""
    try:
        receipt = GENERAL_RECEIPT if form == GENERAL_RECEIPT.code else RECEIPT_FORMS[form]
    except KeyError:
        raise ValueError(f"no receipt form {form!r}; the forms are {', '.join(RECEIPT_FORMS)}") from None
    return _document(receipt, data, agency)


def _document(form: Form, data: Mapping[str, Any], agency: str | None) -> dict[str, Any]:
    unknown = sorted(set(data) - set(form.keys))
    if unknown:
        raise ValueError(f"表 {form.code} {form.title} has no field {', '.join(unknown)}")
    fixed = sorted(set(data) & set(form.fixed))
    if fixed:
        raise ValueError(f"表 {form.code} {form.title}: {', '.join(fixed)} is printed text, not to be filled in")
    values = dict(data)
    if agency is not None and "agency" in form.keys and values.get("agency") is None:
        values["agency"] = agency
    fields = []
    for key, label in form.fields:
        if key in form.fixed:
            value: str | list[str] = form.fixed[key]
        elif key in form.lists:
            value = _lines(key, values.get(key))
        else:
            value = _text(key, values.get(key))
        fields.append({"key": key, "label": label, "value": value})
    return {
        "form": form.code,
        "title": form.title,
        "fields": fields,
        "fixed_keys": [key for key in form.keys if key in form.fixed],
        "agency": agency if agency is not None else _text("agency", values.get("agency")),
        "date": _text(form.date_key, values.get(form.date_key)),
    }


def _text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"field {key}: {type(value).__name__} is not a text, number (int or Decimal) or date")


def _lines(key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [_text(key, item) for item in value]
    raise ValueError(f"field {key}: expected a list of lines, got {type(value).__name__}")


@functools.cache
def font_path() -> Path:
    """The CJK TrueType font the PDFs embed."""
    override = os.environ.get(FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise RuntimeError(f"{FONT_ENV}={override} is not a file")
        return path
    try:
        bundled = Path(str(resources.files(_FONT_PACKAGE) / _FONT_FILE))
    except ModuleNotFoundError:
        bundled = None
    for candidate in (bundled, *map(Path, _FONT_FALLBACKS)):
        if candidate is not None and candidate.is_file():
            return candidate
    raise RuntimeError(f"no CJK font: install the {_FONT_PACKAGE.replace('_', '-')} package or set {FONT_ENV}")


def _value_text(value: str | list[str]) -> str:
    if isinstance(value, list):
        return "\n".join(f"{n}、{line}" for n, line in enumerate(value, start=1))
    return value


def render_pdf(document: Mapping[str, Any]) -> bytes:
    """Print a document from ``notice_json`` / ``receipt_json`` as an A4 PDF. Blocking: see the module doc."""
    title = str(document["title"])
    fields: Sequence[Mapping[str, Any]] = document["fields"]
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(title)
    pdf.set_lang("zh-CN")
    pdf.set_creator("medins")
    pdf.add_font(_FAMILY, fname=font_path(), collection_font_number=0)
    pdf.add_page()

    pdf.set_font(_FAMILY, size=16)
    pdf.cell(0, 12, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    pdf.set_font(_FAMILY, size=10.5)
    with pdf.table(
        col_widths=(42, 132), first_row_as_headings=False, line_height=6.5, text_align="LEFT", padding=1.5
    ) as table:
        for item in fields:
            row = table.row()
            label, value = str(item["label"]), _value_text(item["value"])
            if label:
                row.cell(label, style=_LABEL_STYLE)
                row.cell(value)
            else:  # a side note with no label of its own (「一式两联」)
                row.cell(value, colspan=2)

    agency, when = str(document.get("agency") or ""), str(document.get("date") or "")
    if agency or when:
        pdf.ln(8)
        for line in (agency, when):
            if line:
                pdf.cell(0, 7, line, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


async def render_pdf_async(document: Mapping[str, Any]) -> bytes:
    """``render_pdf`` in a worker thread, for async code."""
    return await asyncio.to_thread(render_pdf, document)
