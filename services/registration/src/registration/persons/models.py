import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from registration.db import Base


class InsuredPerson(Base):
    """参保人员, identified by 身份证件号码 (certno) and its type."""

    __tablename__ = "insured_person"
    # 人员编号 is the register's own number (region + sequence): events quote it without escaping
    __table_args__ = (CheckConstraint("psn_no ~ '^[0-9A-Za-z]+$'", name="insured_person_psn_no_format"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    psn_no: Mapped[str] = mapped_column(String(30), unique=True)
    cert_type: Mapped[str] = mapped_column(String(2))
    certno: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_month: Mapped[str | None] = mapped_column(String(7))
    mobile: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sex: Mapped[str | None] = mapped_column(String(1))  # GB/T 2261.1: 1 男, 2 女
    died_on: Mapped[date | None] = mapped_column(Date)  # 死亡时间, set by 终止参保（死亡） or 死亡异动


class Enrolment(Base):
    """参保登记 of a person in one scheme (insutype 310 / 390 / 510); one open enrolment per scheme."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("person_id", "insutype", name="enrolment_person_scheme"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"))
    insutype: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"))
    flexible_worker: Mapped[bool]
    declared_monthly_wage: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    start_month: Mapped[str] = mapped_column(String(7))
    start_on: Mapped[date] = mapped_column(Date)
    case_no: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    personnel_type: Mapped[str] = mapped_column(String(12), default="in_service")  # 人员类型 在职 / 退休
    contribution_base: Mapped[Decimal | None] = mapped_column(MoneyColumn)  # 缴费基数 (元/月)
    stopped_on: Mapped[date | None] = mapped_column(Date)  # 停保时间 of the last 暂停 / 终止
    stop_reason: Mapped[str | None] = mapped_column(String(20))  # TerminationReason, or "suspended"
    #: "unit_suspended" when the unit's 暂停参保 suspended the person (its 恢复 resumes them)
    suspension_cause: Mapped[str | None] = mapped_column(String(20))
    #: scheme details: 城乡居民 参保身份, 财政补助对象, 户籍所在地, 学校 …
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EnrolmentChange(Base):
    """参保异动: every move of an enrolment (新增, 暂停, 终止, 恢复, 退休, 变更, 基数调整), with before and after.

    The history of an enrolment's periods (参保期间) is read from these rows; they are never updated.
    """

    __tablename__ = "enrolment_change"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enrolment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrolment.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"), index=True)
    insutype: Mapped[str | None] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"))
    case_no: Mapped[str | None] = mapped_column(String(32))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
