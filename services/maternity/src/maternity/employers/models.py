import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from maternity.db import Base


class Employer(Base):
    """参保单位 as registration announced it; a read model, written only by the event handler."""

    __tablename__ = "employer"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    unit_code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(6))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
