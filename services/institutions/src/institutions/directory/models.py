from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from institutions.db import Base


class DesignatedInstitution(Base):
    """定点医药机构: a hospital (医疗机构) or pharmacy (零售药店), by its national fixmedins_code."""

    __tablename__ = "designated_institution"
    __table_args__ = (CheckConstraint("kind IN ('hospital', 'pharmacy')", name="designated_institution_kind"),)

    fixmedins_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="applying")
    designated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
