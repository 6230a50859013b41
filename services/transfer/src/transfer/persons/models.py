from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from transfer.db import Base


class EnrolmentView(Base):
    """参保登记 of one person under one insurance type, as registration's events tell it (read model)."""

    __tablename__ = "enrolment_view"

    certno: Mapped[str] = mapped_column(String(18), primary_key=True)
    insutype: Mapped[str] = mapped_column(String(3), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))  # enrolled / suspended / terminated
    start_on: Mapped[date | None] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    #: the time of the event that set the status: an older event arriving late does not overwrite a newer one
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountView(Base):
    """个人账户余额 as registration's ledger events report it (read model; the ledger stays in registration)."""

    __tablename__ = "account_view"

    certno: Mapped[str] = mapped_column(String(18), primary_key=True)
    balance: Mapped[Decimal] = mapped_column(MoneyColumn)
    entry_no: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContributionMonthView(Base):
    """A month a person paid for under one insurance type (缴费记录 or 补缴), as registration's events tell it:
    the months of the 参保凭证 (样表14) come from these."""

    __tablename__ = "contribution_month_view"

    certno: Mapped[str] = mapped_column(String(18), primary_key=True)
    insutype: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
