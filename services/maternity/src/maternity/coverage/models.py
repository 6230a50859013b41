import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Identity, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from maternity.db import Base


class CoveragePerson(Base):
    """参保人员 as registration's events name them: 人员编号 (stable) and the current 身份证号 (asked by)."""

    __tablename__ = "coverage_person"
    __table_args__ = (Index("coverage_person_certno", "certno"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(40), unique=True)
    certno: Mapped[str] = mapped_column(String(30))
    died_on: Mapped[date | None] = mapped_column(Date)
    certno_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the 变更 that set it


class CoverageStatusChange(Base):
    """参保状态变化: one enrolment event (enrolled / suspended / terminated / resumed / retired) as it came.

    The history is kept whole and the status on a date is read from it, so events may arrive in any order."""

    __tablename__ = "coverage_status_change"
    __table_args__ = (Index("coverage_status_change_person", "person_id", "insutype", "effective_on"),)

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger)  # coverage_person.id
    insutype: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(40))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoveredMonth(Base):
    """缴费月: a month that counts for ``insutype``: contributed (C) or 法定断档补缴 (G); months brought in by 转移接续
    are kept as the rows of their 信息表 (``CoverageTransferPeriod``) and counted when asked.

    One row per person, type and month; a month's 100,000 contributors are inserted by one statement."""

    __tablename__ = "coverage_month"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # coverage_person.id
    insutype: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    source: Mapped[str] = mapped_column(String(1))


class CoverageTransferPeriod(Base):
    """转移接续转入: a row of the 转出地's 信息表 as registration merged it (``registration.transfer_in.merged.v1``),
    once for each type it counts under (a 310 row also for 510). Its months are counted when asked: a complete
    row month by month (joining the runs here), a row with gaps by its subtotal."""

    __tablename__ = "coverage_transfer_period"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # coverage_person.id
    insutype: Mapped[str] = mapped_column(String(3), primary_key=True)
    letter_no: Mapped[str] = mapped_column(String(40), primary_key=True)  # 《联系函》编号
    row_no: Mapped[int] = mapped_column(Integer, primary_key=True)  # the row of the 信息表, from 0
    start_month: Mapped[date] = mapped_column(Date)
    end_month: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    admdvs: Mapped[str | None] = mapped_column(String(12))  # where the period was insured
