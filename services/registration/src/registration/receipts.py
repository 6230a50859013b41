"""The receipt's own fields (表 B.2 变更前/变更后, B.3 登记人数/受理原因, B.5 费款所属期 …) from a rehearsed completion.

The case kit fills a receipt from the case form; what only the completion knows (a unit's values before a change,
how many persons a roster moves) the service puts under ``receipt_fields`` beside the form.
"""

from typing import Any

from medins.cases.service import china_today
from registration.units.domain import CHANGEABLE_FIELDS

PERSON_FIELDS_ZH = {
    "name": "姓名",
    "cert_type": "身份证件类型",
    "certno": "身份证号码",
    "sex": "性别",
    "birth_month": "出生日期",
    "mobile": "手机号码",
}


#: 表 B.4's 业务类型 for a 灵活就业人员 (its 说明: 灵活就业参保登记、暂停参保、退保登记、退休)
FLEXIBLE_REASONS = {
    "suspend": "灵活就业暂停参保",
    "terminate": "灵活就业退保登记",
    "resumed": "灵活就业恢复参保",
    "retired": "灵活就业退休",
}


def roster(reason: str, key: str) -> Any:
    """表 B.3 (B.4 for a 灵活就业人员): 登记人数 and 受理原因 of a completion whose persons are under ``key``."""

    def fields(result: dict[str, Any]) -> dict[str, Any]:
        if result.get("flexible_worker"):
            return {"reason": FLEXIBLE_REASONS[key]}
        return {"headcount": len(result.get(key, [])), "reason": reason}

    return fields


def reduction(result: dict[str, Any]) -> dict[str, Any]:
    rows = result.get("reduced", [])
    if result.get("flexible_worker"):
        return {"reason": "；".join(FLEXIBLE_REASONS[r["change_type"]] for r in rows)}
    suspended = sum(1 for r in rows if r["change_type"] == "suspend")
    terminated = len(rows) - suspended
    parts = [
        f"职工停保（暂停缴费）{suspended}人" if suspended else "",
        f"职工退保（终止参保）{terminated}人" if terminated else "",
    ]
    return {"headcount": len(rows), "reason": "；".join(p for p in parts if p)}


def unit_change(result: dict[str, Any]) -> dict[str, Any]:
    """表 B.2 for 单位参保信息变更: 变更项目 and each field's line before and after."""
    changes = result.get("changes", {})
    labels = [CHANGEABLE_FIELDS.get(f, (f, False))[0] for f in changes]
    return {
        "change_date": f"{china_today():%Y-%m-%d}",
        "change_items": "、".join(labels),
        "before": [f"{label}：{c['before'] or ''}" for label, c in zip(labels, changes.values(), strict=True)],
        "after": [f"{label}：{c['after'] or ''}" for label, c in zip(labels, changes.values(), strict=True)],
    }


def employee_change(result: dict[str, Any]) -> dict[str, Any]:
    """表 B.2 for 职工参保信息变更: one line per person and field."""
    before, after, items = [], [], []
    for person in result.get("changed", []):
        for field, change in person["changes"].items():
            label = PERSON_FIELDS_ZH.get(field, field)
            items.append(label)
            before.append(f"{person['name']} {label}：{change['before'] or ''}")
            after.append(f"{person['name']} {label}：{change['after'] or ''}")
    return {
        "change_date": f"{china_today():%Y-%m-%d}",
        "change_items": "、".join(dict.fromkeys(items)),
        "before": before,
        "after": after,
    }


def arrears(result: dict[str, Any]) -> dict[str, Any]:
    """表 B.5: 费款所属期 and, for an employee's arrears, 职工姓名."""
    person = result.get("person") or {}
    return {"fee_period": result.get("period"), "employee_name": person.get("name")}
