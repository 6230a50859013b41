"""The consumer's session as a unit of work, for event handlers that publish (the transfer saga's)."""

from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from medins.bus.outbox import add_to_outbox
from medins.db import UnitOfWork


class HandlerUnitOfWork(UnitOfWork):
    """The consumer's session as a unit of work: events go to the outbox at ``commit``, the consumer commits."""

    def __init__(self, session: AsyncSession, envelope: Envelope) -> None:
        super().__init__(None, source="registration", region=envelope.region)  # type: ignore[arg-type]
        self.session = session
        self._cause = envelope

    async def commit(self) -> None:
        for event in self._events:
            caused = event.model_copy(
                update={"correlation_id": self._cause.correlation_id, "causation_id": str(self._cause.id)}
            )
            await add_to_outbox(self.session, caused)
        self._events.clear()
        await self.session.flush()
