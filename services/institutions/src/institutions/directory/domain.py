"""Rules of designated institutions (定点医药机构), no I/O."""

from enum import StrEnum


class InstitutionKind(StrEnum):
    hospital = "hospital"  # 医疗机构
    pharmacy = "pharmacy"  # 零售药店


class DesignationStatus(StrEnum):
    """Where an institution stands; designated_at is set once an agreement is signed (协议签订)."""

    applying = "applying"  # 申请定点中
    designated = "designated"  # 已定点
    suspended = "suspended"  # 暂停定点
    terminated = "terminated"  # 解除协议
