"""Tables of the personal account (个人账户): the account, its append-only ledger, withdrawals, mutual aid."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from registration.db import Base


class PersonalAccount(Base):
    """个人账户 of one insured person (职工医保). The balance is never negative (CHECK, and row locks)."""

    __tablename__ = "personal_account"
    __table_args__ = (CheckConstraint("balance >= 0", name="personal_account_balance_not_negative"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("insured_person.id"), unique=True)
    psn_no: Mapped[str] = mapped_column(String(30), unique=True)
    certno: Mapped[str] = mapped_column(String(30), unique=True)
    balance: Mapped[Decimal] = mapped_column(MoneyColumn, server_default=text("0"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("0"))  # = entry_no of the last entry
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountEntry(Base):
    """One movement of an account (credit 划入 / debit 支出), append-only: a trigger refuses UPDATE and DELETE.

    ``reference`` (case number, batch, transfer id …) is unique per account, so a reference posted twice
    moves money once; ``entry_no`` numbers the entries of an account 1, 2, 3 … in the order they happened.
    """

    __tablename__ = "account_entry"
    __table_args__ = (
        UniqueConstraint("account_id", "reference", name="account_entry_reference"),
        UniqueConstraint("account_id", "entry_no", name="account_entry_order"),
        CheckConstraint("amount > 0", name="account_entry_amount_positive"),
        CheckConstraint("balance_after >= 0", name="account_entry_balance_not_negative"),
        CheckConstraint("direction IN ('credit', 'debit')", name="account_entry_direction"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("personal_account.id"))
    entry_no: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    balance_after: Mapped[Decimal] = mapped_column(MoneyColumn)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountWithdrawal(Base):
    """个人账户一次性支取 paid out: the debit and the payment instruction to the payee's bank account."""

    __tablename__ = "account_withdrawal"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("personal_account.id"))
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account_entry.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    bank_name: Mapped[str] = mapped_column(String(100))  # 开户银行
    bank_account_name: Mapped[str] = mapped_column(String(100))  # 户名
    bank_account_no: Mapped[str] = mapped_column(String(40))  # 账号
    payee_certno: Mapped[str] = mapped_column(String(30))
    heir: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # 继承人（代表人）on death
    payment_status: Mapped[str] = mapped_column(String(20))  # instructed: the bank transfer is ordered
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FamilyMutualAid(Base):
    """家庭共济 binding: the authoriser (授权人, 主账户人) lets a family member (使用人) use their account."""

    __tablename__ = "family_mutual_aid"
    __table_args__ = (
        # one open binding per pair; an ended one may be bound again later
        Index(
            "family_mutual_aid_open_pair",
            "authoriser_certno",
            "user_certno",
            unique=True,
            postgresql_where=text("end_on IS NULL"),
        ),
        CheckConstraint("authoriser_certno <> user_certno", name="family_mutual_aid_not_self"),
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="family_mutual_aid_period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    authoriser_certno: Mapped[str] = mapped_column(String(30), index=True)
    authoriser_name: Mapped[str] = mapped_column(String(100))
    user_certno: Mapped[str] = mapped_column(String(30), index=True)
    user_name: Mapped[str] = mapped_column(String(100))
    relationship: Mapped[str] = mapped_column(String(20))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    bound_case_no: Mapped[str] = mapped_column(String(32))
    unbound_case_no: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
