"""Rules of unit registration (单位参保登记), no I/O."""

from enum import StrEnum

from medins.errors import ProblemError


class InsuredProduct(StrEnum):
    """参保险种 on 样表1."""

    employee_medical = "employee_medical"  # 职工基本医疗（生育）保险
    supplementary = "supplementary"  # 补充医疗保险
    other = "other"  # 其他


class UnitStatus(StrEnum):
    active = "active"  # 正常参保
    suspended = "suspended"  # 暂停
    cancelled = "cancelled"  # 注销


def unit_code(region: str, sequence: int) -> str:
    """单位编码, assigned by the agency at first registration: the region code and an 8-digit sequence."""
    return f"{region}{sequence:08d}"


class UnitAlreadyRegistered(ProblemError):
    status = 409
    code = "unit_already_registered"
    title = "该单位已办理参保登记"


class FormerUsccSameAsCurrent(ProblemError):
    status = 422
    code = "former_uscc_same_as_current"
    title = "原统一社会信用代码不能与现统一社会信用代码相同"


def check_former_uscc(uscc: str, former: str | None) -> None:
    if former is not None and former == uscc:
        raise FormerUsccSameAsCurrent()


class UnitAction(StrEnum):
    """登记类型 of 样表1 besides 新参保登记, and 单位保险暂停后恢复 (表 B.3)."""

    suspend = "suspend"  # 暂停登记
    resume = "resume"  # 暂停后恢复
    cancel = "cancel"  # 注销登记
    change = "change"  # 信息变更登记 (样表7)


class RestructureKind(StrEnum):
    """拆分合并分立: 拆分 dissolves one unit into several, 合并 several into one, 分立 splits a part off a unit
    that carries on (派生分立)."""

    split_up = "split"  # 拆分
    merge = "merge"  # 合并
    division = "division"  # 分立


STATUS_ZH = {UnitStatus.active: "正常参保", UnitStatus.suspended: "暂停参保", UnitStatus.cancelled: "已注销"}
ACTION_ZH = {
    UnitAction.suspend: "暂停登记",
    UnitAction.resume: "暂停后恢复",
    UnitAction.cancel: "注销登记",
    UnitAction.change: "信息变更登记",
}
RESTRUCTURE_ZH = {RestructureKind.split_up: "拆分", RestructureKind.merge: "合并", RestructureKind.division: "分立"}


class UnitStatusConflict(ProblemError):
    status = 409
    code = "unit_status_conflict"
    title = "单位当前参保状态不允许此业务"


class UnitHasInsuredPersons(ProblemError):
    status = 409
    code = "unit_has_insured_persons"
    title = "单位尚有参保职工或退休人员，不能注销"


class RestructureInvalid(ProblemError):
    status = 422
    code = "restructure_invalid"
    title = "拆分合并分立登记不正确"


def next_unit_status(current: UnitStatus, action: UnitAction, *, name: str = "该单位") -> UnitStatus:
    """暂停: active → suspended; 恢复: suspended → active; 注销: active | suspended → cancelled; 变更 keeps the
    status. A cancelled unit takes no business."""
    if current is UnitStatus.cancelled:
        raise UnitStatusConflict(f"{name}已注销，不能办理{ACTION_ZH[action]}")
    if action is UnitAction.suspend:
        if current is not UnitStatus.active:
            raise UnitStatusConflict(f"{name}当前为{STATUS_ZH[current]}，不能重复办理暂停登记")
        return UnitStatus.suspended
    if action is UnitAction.resume:
        if current is not UnitStatus.suspended:
            raise UnitStatusConflict(f"{name}未暂停参保，不能办理暂停后恢复")
        return UnitStatus.active
    if action is UnitAction.cancel:
        return UnitStatus.cancelled
    return current


def check_restructure(kind: RestructureKind, predecessors: list[str], successors: list[str]) -> None:
    """拆分: one unit into two or more; 合并: two or more units (or one absorbed) into one; 分立: one unit gives
    rise to one or more that carry part of it. A unit cannot be on both sides."""
    label = RESTRUCTURE_ZH[kind]
    if set(predecessors) & set(successors):
        raise RestructureInvalid(f"{label}登记中同一单位不能既是原单位又是新单位")
    if len(set(predecessors)) != len(predecessors) or len(set(successors)) != len(successors):
        raise RestructureInvalid(f"{label}登记中单位重复")
    if kind is RestructureKind.split_up and (len(predecessors) != 1 or len(successors) < 2):
        raise RestructureInvalid("拆分登记应为一个原单位拆分为两个及以上新单位")
    if kind is RestructureKind.merge and (len(predecessors) < 1 or len(successors) != 1):
        raise RestructureInvalid("合并登记应为一个或多个原单位并入一个单位")
    if kind is RestructureKind.division and (len(predecessors) != 1 or len(successors) < 1):
        raise RestructureInvalid("分立登记应为一个原单位分立出一个及以上新单位")


def predecessors_dissolve(kind: RestructureKind) -> bool:
    """拆分 and 合并 end the predecessor units (注销); after 分立 the predecessor carries on."""
    return kind is not RestructureKind.division


#: the 样表7 fields a unit may change, and whether each is 关键信息 (key information needing support documents)
CHANGEABLE_FIELDS: dict[str, tuple[str, bool]] = {
    "uscc": ("统一社会信用代码", True),
    "name": ("单位名称", True),
    "address": ("住所（地址）", False),
    "unit_type": ("单位类型", True),
    "unit_nature": ("单位性质", False),
    "affiliation": ("隶属关系", False),
    "superior_department": ("上级主管部门", False),
    "legal_rep_name": ("法定代表人（负责人）姓名", True),
    "legal_rep_certno": ("法定代表人（负责人）身份证件号码", True),
    "legal_rep_phone": ("法定代表人（负责人）联系电话", False),
    "handler_name": ("缴费单位经办人姓名", False),
    "handler_mobile": ("缴费单位经办人手机号码", False),
    "handler_phone": ("缴费单位经办人联系电话", False),
    "handler_department": ("经办人员所在部门", False),
    "bank_name": ("开户行", False),
    "bank_account_name": ("户名", False),
    "bank_account_no": ("账号", False),
}


def changed_fields(current: dict[str, object], requested: dict[str, object]) -> dict[str, dict[str, object]]:
    """原登记事项 → 变更事项 for the fields whose value really changes."""
    return {
        field: {"before": current.get(field), "after": value}
        for field, value in requested.items()
        if current.get(field) != value
    }


def is_key_change(fields: set[str]) -> bool:
    return any(CHANGEABLE_FIELDS[f][1] for f in fields if f in CHANGEABLE_FIELDS)
