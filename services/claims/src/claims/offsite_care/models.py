import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from claims.db import Base


class OffsiteCareFiling(Base):
    """异地就医备案: an insured person's filing to be treated outside the pooling region."""

    __tablename__ = "offsite_care_filing"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    certno: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
