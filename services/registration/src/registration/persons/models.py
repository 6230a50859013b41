import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from registration.db import Base


class InsuredPerson(Base):
    """参保人员, identified by 身份证件号码 (certno) and its type."""

    __tablename__ = "insured_person"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    psn_no: Mapped[str] = mapped_column(String(30), unique=True)
    cert_type: Mapped[str] = mapped_column(String(2))
    certno: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_month: Mapped[str | None] = mapped_column(String(7))
    mobile: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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
