import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from transfer.db import Base


class PartnerRegion(Base):
    """伙伴地区 as the transfer service knows it: where its gateway is and the keys its documents are signed with."""

    __tablename__ = "partner_region"

    admdvs: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    base_url: Mapped[str] = mapped_column(String(300))
    jwks: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PartnerMessage(Base):
    """A signed document on its way to a partner region: retried with back-off until the partner answers."""

    __tablename__ = "partner_message"
    __table_args__ = (
        UniqueConstraint("partner", "kind", "number", name="partner_message_once"),
        Index("partner_message_due", "next_attempt_at", postgresql_where="delivered_at IS NULL AND refused_at IS NULL"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    partner: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    jws: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ReceivedDocument(Base):
    """A document a partner sent us, once per (issuer, kind, number): a second delivery gets the first answer."""

    __tablename__ = "partner_document"

    issuer: Mapped[str] = mapped_column(String(6), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    number: Mapped[str] = mapped_column(String(80), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
