"""A unit of work over a session someone else commits (an event consumer's), so handlers can publish."""

from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from medins.bus.outbox import add_to_outbox
from medins.db import UnitOfWork


class SessionUnitOfWork(UnitOfWork):
    """Use cases take a unit of work; an event handler has the consumer's session, committed by the consumer
    with the inbox row. ``commit`` here writes the recorded events to the outbox and leaves the commit to it."""

    def __init__(self, session: AsyncSession, *, source: str, region: str, causation: Envelope | None = None) -> None:
        super().__init__(None, source=source, region=region)  # type: ignore[arg-type]
        self.session = session
        self._causation = causation

    async def commit(self) -> None:
        for envelope in self._events:
            if self._causation is not None:
                envelope = envelope.model_copy(
                    update={"correlation_id": self._causation.correlation_id, "causation_id": str(self._causation.id)}
                )
            await add_to_outbox(self.session, envelope)
        self._events.clear()
        await self.session.flush()
