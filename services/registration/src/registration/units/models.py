import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Identity, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from registration.db import Base


class Employer(Base):
    """参保单位: a unit registered for employee medical insurance (样表1)."""

    __tablename__ = "employer"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    unit_code: Mapped[str] = mapped_column(String(20), unique=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    former_uscc: Mapped[str | None] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    superior_department: Mapped[str | None] = mapped_column(String(200))
    unit_nature: Mapped[str | None] = mapped_column(String(50))
    affiliation: Mapped[str | None] = mapped_column(String(50))
    legal_rep_name: Mapped[str] = mapped_column(String(50))
    legal_rep_phone: Mapped[str] = mapped_column(String(30))
    legal_rep_certno: Mapped[str] = mapped_column(String(18))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account_name: Mapped[str | None] = mapped_column(String(200))
    bank_account_no: Mapped[str | None] = mapped_column(String(40))
    handler_name: Mapped[str] = mapped_column(String(50))
    handler_department: Mapped[str | None] = mapped_column(String(100))
    handler_mobile: Mapped[str] = mapped_column(String(30))
    handler_phone: Mapped[str | None] = mapped_column(String(30))
    insured_products: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active")
    region: Mapped[str] = mapped_column(String(6))
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unit_type: Mapped[str | None] = mapped_column(String(50))  # 单位类型 (样表7)
    #: 机关事业单位及社会团体填报: 经费来源, 主管部门, 核编人数 … (样表1)
    public_sector: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(20))  # cancelled / merged / split


class UnitChange(Base):
    """单位参保异动: every change of a unit (信息变更, 暂停, 恢复, 注销, 拆分合并分立) with before and after values.

    Append-only: the audit of 单位参保信息变更登记 (样表7 原登记事项 / 变更事项).
    """

    __tablename__ = "unit_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    case_no: Mapped[str | None] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UnitLink(Base):
    """拆分、合并、分立: a predecessor unit and a successor unit of one restructuring."""

    __tablename__ = "unit_link"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # split 拆分 / merge 合并 / division 分立
    predecessor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    successor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    case_no: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
