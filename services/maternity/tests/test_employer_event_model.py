"""The maternity service's own copy of registration.unit.registered.v1 (no I/O)."""

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from maternity.events import UnitRegistered
from maternity.handlers import on_unit_registered
from medins.bus.envelope import Envelope

UNIT_ID = "5b0f0c8e-3f57-4c36-9d0b-6a6f4a0c2b11"

# the body the registration relay publishes: Envelope.model_dump_json() of its UnitRegistered
SAMPLE_ENVELOPE_JSON = """
{
  "id": "0e7e2d4c-9a51-4f0e-8f3a-1c2b3d4e5f60",
  "type": "registration.unit.registered.v1",
  "source": "registration",
  "time": "2025-03-03T01:30:00.123456Z",
  "region": "431000",
  "correlation_id": "req-7f3a",
  "causation_id": null,
  "data": {
    "unit_id": "5b0f0c8e-3f57-4c36-9d0b-6a6f4a0c2b11",
    "unit_code": "43100000000001",
    "uscc": "91431000MA4L1234XU",
    "name": "郴州市示例科技有限公司",
    "region": "431000",
    "insured_products": ["employee_medical"],
    "registered_at": "2025-03-03T01:29:59.654321Z"
  }
}
"""


def sample_envelope(**data_changes: Any) -> Envelope:
    envelope = Envelope.model_validate_json(SAMPLE_ENVELOPE_JSON)
    data = {k: v for k, v in (envelope.data | data_changes).items() if v is not None}
    return envelope.model_copy(update={"data": data})


def test_a_registered_unit_parses_into_the_employer_fields_maternity_keeps() -> None:
    envelope = sample_envelope()

    event = UnitRegistered.model_validate(envelope.data)

    assert envelope.type == UnitRegistered.event_type
    assert event.uscc == "91431000MA4L1234XU"
    assert event.unit_id == uuid.UUID(UNIT_ID)
    assert event.unit_code == "43100000000001"
    assert event.name == "郴州市示例科技有限公司"
    assert event.region == "431000"
    assert event.insured_products == ["employee_medical"]
    assert event.registered_at == datetime(2025, 3, 3, 1, 29, 59, 654321, tzinfo=UTC)


def test_a_payload_without_uscc_is_refused() -> None:
    envelope = sample_envelope(uscc=None)

    with pytest.raises(ValidationError) as refused:
        UnitRegistered.model_validate(envelope.data)

    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("uscc",), "missing")]


async def test_the_handler_raises_on_a_payload_without_uscc_so_the_message_is_not_acked() -> None:
    envelope = sample_envelope(uscc=None)
    untouched = cast(AsyncSession, object())  # any use of the session would fail: it must not be reached

    with pytest.raises(ValidationError):
        await on_unit_registered(untouched, envelope)


def test_fields_the_producer_adds_later_are_ignored_so_v1_stays_readable() -> None:
    envelope = sample_envelope(address="郴州市北湖区", unit_nature="企业")

    event = UnitRegistered.model_validate(envelope.data)

    assert event.uscc == "91431000MA4L1234XU"
    assert not hasattr(event, "address")
