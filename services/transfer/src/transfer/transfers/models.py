import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from transfer.db import Base


class Transfer(Base):
    """基本医疗保险关系转移接续: one person's insurance moving from origin_region to destination_region.

    One row per agency and direction: the 转入地 has the inbound row, the 转出地 the outbound one; they share
    the 联系函 number. The signed documents are kept as received or sent (``*_jws``), with their JSON.
    """

    __tablename__ = "transfer"
    __table_args__ = (
        CheckConstraint("direction IN ('inbound', 'outbound')", name="transfer_direction"),
        UniqueConstraint("direction", "letter_no", name="transfer_direction_letter_no"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    direction: Mapped[str] = mapped_column(String(10))
    certno: Mapped[str] = mapped_column(String(18), index=True)
    origin_region: Mapped[str] = mapped_column(String(6))
    destination_region: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(30), default="accepted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(100), default="")
    case_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    letter_no: Mapped[str | None] = mapped_column(String(24))
    #: the 转出地's case number of an application made there and forwarded (转出地申请)
    application_no: Mapped[str | None] = mapped_column(String(40))
    certificate_no: Mapped[str | None] = mapped_column(String(24))
    transfer_account: Mapped[bool] = mapped_column(Boolean, default=True)
    #: 个人账户实际转出资金: debited at the 转出地, credited at the 转入地 (the same amount, to the fen)
    amount: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    application: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    letter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    letter_jws: Mapped[str | None] = mapped_column(Text)
    info_table: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    info_table_jws: Mapped[str | None] = mapped_column(Text)
    remittance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remittance_jws: Mapped[str | None] = mapped_column(Text)
    #: the problems 基金匹配 found, for staff to look into
    mismatch: Mapped[list[str] | None] = mapped_column(JSON)
    rejection_code: Mapped[str | None] = mapped_column(String(40))
    rejection_detail: Mapped[str | None] = mapped_column(Text)
    #: the last refusal of one of our documents by the partner (4xx): staff must look, nothing is retried
    partner_problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: 返还: what the 转入地 sent back and (at the 转出地) registration credited back, when
    returned_amount: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class IssuedCertificate(Base):
    """参保凭证 issued here (样表14): the signed JSON, for the letter that later cites its number."""

    __tablename__ = "insurance_certificate"

    certificate_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    certno: Mapped[str] = mapped_column(String(18), index=True)
    case_no: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    jws: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocumentSequence(Base):
    """The last number given per document kind and year (联系函 7 digits, 参保凭证 4, remittance 7)."""

    __tablename__ = "document_sequence"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
