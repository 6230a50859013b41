"""The documents a case produces: the one-time notice (表 A.1) and the business receipt (表 B.x)."""

from typing import Any

from sqlalchemy.engine import RowMapping

from medins.cases.materials import MaterialsCheck
from medins.catalog import ResolvedItem
from medins.documents import notice_json, receipt_json
from medins.documents.forms import GENERAL_RECEIPT, RECEIPT_FORMS
from medins.identity import Principal
from medins.workdays import Deadline

#: the case form's fields that a receipt can show under the form's own keys
_FORM_KEYS = ("unit_name", "unit_code", "uscc", "legal_rep_name", "legal_rep_certno", "name", "certno", "phone")


def _applicant_fields(case: RowMapping) -> dict[str, Any]:
    form = case["form"] or {}
    values: dict[str, Any] = {k: form[k] for k in _FORM_KEYS if form.get(k)}
    if case["applicant_kind"] == "employer":
        values.setdefault("unit_name", case["applicant_name"] or form.get("name"))
        values.setdefault("uscc", case["applicant_id"])
    else:
        values.setdefault("name", case["applicant_name"])
        values.setdefault("certno", case["applicant_id"])
    # what only this item's receipt shows (B.6 个人账户余额, B.13 授权人/使用人 …), as the service put it
    values.update({k: v for k, v in (form.get("receipt_fields") or {}).items() if v is not None})
    values.setdefault("declarant", form.get("handler_name") or case["applicant_name"])
    values.setdefault("phone", form.get("handler_mobile") or form.get("phone"))
    return values


def notice_document(
    *, item: ResolvedItem, case: RowMapping, check: MaterialsCheck, reason: str | None, actor: Principal
) -> dict[str, Any]:
    """未予受理一次性告知单: every missing material at once, with what was there."""
    values = _applicant_fields(case)
    data = {
        "name": values.get("name") or values.get("unit_name"),
        "certno": values.get("certno") or values.get("uscc"),
        "business_type": item.name,
        "refusal_reason": reason or ("材料不全，请一次性补齐以下缺少材料后重新提交" if check.missing else ""),
        "present_materials": check.present,
        "missing_materials": check.missing,
        "remarks": f"办件编号：{case['case_no']}",
        "submitter": values.get("declarant"),
        "phone": values.get("phone"),
        "handled_by": actor.name or actor.id,
        "handled_on": _today(case),
    }
    return notice_json(data, agency=agency_name(item))


def receipt_document(
    *, item: ResolvedItem, case: RowMapping, check: MaterialsCheck, actor: Principal, deadline: Deadline | None
) -> dict[str, Any]:
    """业务回执单 of the item's form (表 B.1–B.13), or the general receipt where the standard has none."""
    chosen = item.receipt_form_for(tuple(case["situations"] or ()))
    code = chosen if chosen in RECEIPT_FORMS else GENERAL_RECEIPT.code
    form = RECEIPT_FORMS.get(code, GENERAL_RECEIPT)
    values = _applicant_fields(case) | {
        "business_type": item.name,
        "materials": check.present,
        "accepted_by": actor.name or actor.id,
        "accepted_on": _today(case),
        "case_no": case["case_no"],
        "deadline": (f"{deadline.date:%Y-%m-%d}" + ("（暂定）" if deadline.provisional else ""))
        if deadline
        else item.time_limit.text,
    }
    fillable = set(form.fillable)
    return receipt_json(
        code, {k: v for k, v in values.items() if k in fillable and v is not None}, agency=agency_name(item)
    )


def agency_name(item: ResolvedItem) -> str:
    return f"{item.region_name}医疗保障经办机构"


def _today(case: RowMapping) -> str:
    from medins.cases.service import china_today

    return f"{china_today():%Y-%m-%d}"
