"""FastAPI dependencies every service's routers use: the unit of work and a read session."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from medins.db import UnitOfWork


def get_uow(request: Request) -> UnitOfWork:
    """A unit of work for this request's use case; commit wakes the relay."""
    state = request.app.state
    return UnitOfWork(
        state.sessionmaker,
        source=state.service_name,
        region=state.settings.region,
        on_commit=state.relay.wake,
    )


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reads; writes go through the unit of work. Its statements see one snapshot (REPEATABLE
    READ): a read of several statements (a transfer and its documents, a case and its steps) never mixes states
    before and after another request's commit."""
    async with request.app.state.sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
