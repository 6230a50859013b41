"""The case tables. Every service has the same ones in its own database (created by its migrations)."""

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

case_record = Table(
    "case_record",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_no", String(32), nullable=False, unique=True),
    Column("item_key", String(64), nullable=False),
    Column("item_name", String(200), nullable=False),
    Column("region", String(6), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("applicant_kind", String(16), nullable=False),
    Column("applicant_id", String(64), nullable=False),
    Column("applicant_name", String(100)),
    Column("submitted_by", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("form", JSON, nullable=False),
    Column("materials", JSON, nullable=False),
    Column("situations", JSON, nullable=False),
    Column("missing", JSON, nullable=False),
    Column("result", JSON),
    Column("outcome", String(20)),
    Column("second_review", Boolean, nullable=False),
    Column("payment", Boolean, nullable=False),
    Column("limit_value", Integer),
    Column("limit_unit", String(16), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("accepted_on", Date),
    Column("deadline", Date),
    Column("deadline_provisional", Boolean, nullable=False, default=False),
    Column("paused_on", Date),
    Column("paused_reason", Text),
    Column("extension_days", Integer, nullable=False, default=0),
    Column("completed_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False, default=1),
    Index("case_record_applicant", "applicant_kind", "applicant_id"),
    Index("case_record_open_deadline", "deadline"),
)

case_transition = Table(
    "case_transition",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("case_id", Uuid, ForeignKey("case_record.id"), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_roles", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("before", JSON),
    Column("after", JSON),
)

case_stage_clock = Table(
    "case_stage_clock",
    metadata,
    Column("case_id", Uuid, ForeignKey("case_record.id"), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("started_on", Date, nullable=False),
    Column("limit_value", Integer, nullable=False),
    Column("limit_unit", String(16), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("deadline_provisional", Boolean, nullable=False),
    Column("completed_on", Date),
)

case_document = Table(
    "case_document",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("case_record.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("form", String(8), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

case_evaluation = Table(
    "case_evaluation",
    metadata,
    Column("case_id", Uuid, ForeignKey("case_record.id"), primary_key=True),
    Column("grade", String(8), nullable=False),
    Column("comment", Text),
    Column("evaluated_by", String(64), nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
)

case_follow_up = Table(
    "case_follow_up",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("case_id", Uuid, ForeignKey("case_record.id"), nullable=False, unique=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(64)),
    Column("rectification_note", Text),
)


def create_case_tables(op: Any) -> None:
    """Called from a service's migration."""
    op.execute("CREATE SEQUENCE case_no_seq")
    metadata.create_all(op.get_bind())


def drop_case_tables(op: Any) -> None:
    metadata.drop_all(op.get_bind())
    op.execute("DROP SEQUENCE case_no_seq")
