import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from transfer.db import Base


class Transfer(Base):
    """基本医疗保险关系转移接续: one person's insurance moving from origin_region to destination_region."""

    __tablename__ = "transfer"
    __table_args__ = (CheckConstraint("direction IN ('inbound', 'outbound')", name="transfer_direction"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    direction: Mapped[str] = mapped_column(String(10))
    certno: Mapped[str] = mapped_column(String(18), index=True)
    origin_region: Mapped[str] = mapped_column(String(6))
    destination_region: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(30), default="submitted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
