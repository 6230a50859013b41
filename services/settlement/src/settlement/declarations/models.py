import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from medins.money import MoneyColumn
from settlement.db import Base


class MonthlyDeclaration(Base):
    """月度费用申报: one designated institution's medical fees of one month, declared for settlement."""

    __tablename__ = "monthly_declaration"
    __table_args__ = (
        CheckConstraint("period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'", name="monthly_declaration_period_format"),
        CheckConstraint("medfee_sumamt >= 0", name="monthly_declaration_medfee_sumamt_not_negative"),
        Index("ix_monthly_declaration_fixmedins_code_period", "fixmedins_code", "period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    fixmedins_code: Mapped[str] = mapped_column(String(12))
    period: Mapped[str] = mapped_column(String(7))
    medfee_sumamt: Mapped[Decimal] = mapped_column(MoneyColumn)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
