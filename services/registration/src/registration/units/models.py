import uuid
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Uuid
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
