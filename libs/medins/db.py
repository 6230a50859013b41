"""Async SQLAlchemy engine and the unit of work (the only place a use case commits)."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from medins.bus.envelope import Envelope, IntegrationEvent, make_envelope
from medins.bus.outbox import add_to_outbox
from medins.context import current_correlation_id


def make_engine(url: str, *, pool_size: int = 20) -> AsyncEngine:
    # no pre-ping: it doubles the round trips of every read; a connection the server dropped is
    # invalidated by SQLAlchemy on the error and the pool recycles connections every 30 minutes
    return create_async_engine(url, pool_size=pool_size, max_overflow=20, pool_recycle=1800)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: the business change and its outbox rows commit together or not at all."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        source: str,
        region: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._on_commit = on_commit
        self.source = source
        self.region = region
        self.session: AsyncSession
        self._events: list[Envelope] = []

    async def __aenter__(self) -> Self:
        self.session = self._sessionmaker()
        await self.session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is not None or self.session.in_transaction():
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, event: IntegrationEvent, *, causation_id: str | None = None) -> Envelope:
        """Record an integration event; it is written to the outbox at commit."""
        envelope = make_envelope(
            event,
            source=self.source,
            region=self.region,
            correlation_id=current_correlation_id(),
            causation_id=causation_id,
        )
        self._events.append(envelope)
        return envelope

    async def commit(self) -> None:
        for envelope in self._events:
            await add_to_outbox(self.session, envelope)
        had_events = bool(self._events)
        self._events.clear()
        await self.session.commit()
        if had_events and self._on_commit is not None:
            self._on_commit()


@asynccontextmanager
async def session_scope(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A read-only session for queries."""
    async with sessionmaker() as session:
        yield session
