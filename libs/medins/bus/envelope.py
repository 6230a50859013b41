"""The envelope every integration event travels in."""

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class IntegrationEvent(BaseModel):
    """Base of an event's payload. Subclasses set ``event_type`` = ``<service>.<aggregate>.<verb>.v<N>``."""

    model_config = ConfigDict(frozen=True)
    event_type: ClassVar[str]


class Envelope(BaseModel):
    """Immutable wrapper: id, type, source, time (UTC), region, correlation and causation ids, data."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    region: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]


def make_envelope(
    event: IntegrationEvent,
    *,
    source: str,
    region: str,
    correlation_id: str,
    causation_id: str | None = None,
) -> Envelope:
    return Envelope(
        type=event.event_type,
        source=source,
        region=region,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data=event.model_dump(mode="json"),
    )
