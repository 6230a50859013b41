import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from registration.db import Base


class Retirement(Base):
    """在职转退休 (样表4): the retirement data of a person in 职工基本医疗保险; one per person."""

    __tablename__ = "retirement"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"), unique=True)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolment.id"))
    retirement_type: Mapped[str] = mapped_column(String(10))  # normal 正常退休 / early 提前退休
    personnel_identity: Mapped[str | None] = mapped_column(String(10))  # cadre 干部 / worker 工人
    archive_birth_month: Mapped[str | None] = mapped_column(String(7))  # 档案首次记载出生年月
    work_start_month: Mapped[str | None] = mapped_column(String(7))  # 参加工作时间
    deemed_months: Mapped[int] = mapped_column(Integer)  # 视同缴费年限（月数）
    actual_months: Mapped[int] = mapped_column(Integer)  # 实际缴费年限（月数）
    cumulative_months: Mapped[int] = mapped_column(Integer)  # 累计缴费年限（月数）
    benefits_from: Mapped[date] = mapped_column(Date)  # 退休待遇享受时间
    case_no: Mapped[str] = mapped_column(String(32))
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
