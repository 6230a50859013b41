"""The window's paper: 未予受理一次性告知单 (表 A.1) and 业务回执单 (表 B.1–B.13) of the Xuzhou standard.

``forms`` holds the field sets as data; ``render`` fills them (JSON) and prints them (PDF, CJK font
embedded). PDF rendering blocks: from async code use ``render_pdf_async`` (``asyncio.to_thread``).
"""

from medins.documents.forms import NOTICE_A1, RECEIPT_FORMS, Field, Form, NoticeForm, ReceiptForm
from medins.documents.render import notice_json, receipt_json, render_pdf, render_pdf_async

__all__ = [
    "NOTICE_A1",
    "RECEIPT_FORMS",
    "Field",
    "Form",
    "NoticeForm",
    "ReceiptForm",
    "notice_json",
    "receipt_json",
    "render_pdf",
    "render_pdf_async",
]
