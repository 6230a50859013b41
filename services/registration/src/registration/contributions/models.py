import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from registration.db import Base


class ContributionBatch(Base):
    """缴费明细批次: one contribution file (from the tax bureau, 税务), as imported, with its counts."""

    __tablename__ = "contribution_batch"
    __table_args__ = (
        UniqueConstraint("source", "file_sha256", name="contribution_batch_file"),
        Index("contribution_batch_created", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source: Mapped[str] = mapped_column(String(20))
    period: Mapped[date] = mapped_column(Date)  # 费款所属期 of the file: the first day of its month
    status: Mapped[str] = mapped_column(String(24))
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_recorded: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    region: Mapped[str] = mapped_column(String(6))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContributionRecord(Base):
    """缴费记录: what one person paid for one month (费款所属期) under one insurance type (insutype).

    No foreign keys (see the migration): the import checks every person by a join in its transaction."""

    __tablename__ = "contribution_record"
    __table_args__ = (
        CheckConstraint("employer_amount >= 0 AND person_amount >= 0", name="contribution_amounts_not_negative"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # insured_person.id
    insutype: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    contribution_base: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    employer_amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    person_amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    employer_uscc: Mapped[str | None] = mapped_column(String(18))
    paid_on: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # contribution_batch.id
    line: Mapped[int] = mapped_column(Integer)  # the record's line in the batch file


class ContributionRejection(Base):
    """A row of a batch file that was refused: its line, a stable code, the reason in Chinese."""

    __tablename__ = "contribution_rejection"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contribution_batch.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(String(64))
