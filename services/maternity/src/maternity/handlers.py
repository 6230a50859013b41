"""Consumers of other services' events.

Each handler runs inside the consumer's transaction (with the inbox row) and must not commit: the
consumer commits, then acks. A payload that does not parse raises, so the message is redelivered and,
after the queue's delivery limit, dead-lettered.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from maternity.employers import service as employers
from maternity.events import UnitRegistered
from medins.bus.envelope import Envelope


async def on_unit_registered(session: AsyncSession, envelope: Envelope) -> None:
    """registration.unit.registered.v1: record or refresh the employer (参保单位) in the read model."""
    event = UnitRegistered.model_validate(envelope.data)
    await employers.record_registered_unit(session, event=event)
