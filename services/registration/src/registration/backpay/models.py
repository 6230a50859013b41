import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, PrimaryKeyConstraint, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from registration.db import Base


class GapBackpay(Base):
    """法定断档补缴 (样表10) of one person: the months from ``start_month`` to ``end_month`` at a monthly wage."""

    __tablename__ = "gap_backpay"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"), index=True)
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"))
    insutype: Mapped[str] = mapped_column(String(3))
    scenario: Mapped[str] = mapped_column(String(32))  # 劳动关系存续期 / 仲裁监察判决 / 其他
    personnel_type: Mapped[str] = mapped_column(String(12))  # 人员类别 在职 / 退休
    status_at_application: Mapped[str] = mapped_column(String(12))  # 当前参保状态 有效 / 无效 / 未参保
    monthly_wage: Mapped[Decimal] = mapped_column(MoneyColumn)  # 补缴工资（元/月）
    start_month: Mapped[str] = mapped_column(String(7))
    end_month: Mapped[str] = mapped_column(String(7))
    months: Mapped[int] = mapped_column(Integer)
    case_no: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ArrearsBackpay(Base):
    """欠款补缴: a unit's (单位欠费补缴) or an employee's (职工欠费补缴) arrears for a period (费款所属期), paid."""

    __tablename__ = "arrears_backpay"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))  # unit / employee
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("insured_person.id"), index=True)
    start_month: Mapped[str] = mapped_column(String(7))
    end_month: Mapped[str] = mapped_column(String(7))
    months: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    personal_repayment: Mapped[bool] = mapped_column(Boolean, default=False)  # 个人还欠
    benefits_from: Mapped[date] = mapped_column(Date)  # 待遇享受时间, told to the applicant
    case_no: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BackpaidMonth(Base):
    """One month a person back-paid in a scheme; a month is back-paid at most once (the key)."""

    __tablename__ = "backpaid_month"
    __table_args__ = (PrimaryKeyConstraint("person_id", "insutype", "month", name="backpaid_month_pkey"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"))
    insutype: Mapped[str] = mapped_column(String(3))
    month: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))  # gap 法定断档 / arrears 欠款
    backpay_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    monthly_wage: Mapped[Decimal | None] = mapped_column(MoneyColumn)
