"""The service app factory: health, readiness, metrics, problems, request ids, identity, bus tasks."""

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection
from fastapi import APIRouter, Depends, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import text
from starlette.responses import JSONResponse, Response

from medins.authz import APPLICANTS, EVERYONE, audience, authorize_route, declare_audiences
from medins.bus.consumer import EventConsumer, Handler
from medins.bus.relay import OutboxRelay
from medins.cases.router import case_router
from medins.cases.service import EXTENSION_ROLES, PAUSE_ROLES, CaseKit, CompletionHandler
from medins.catalog import Catalog, load_catalog
from medins.db import make_engine, make_sessionmaker
from medins.deps import SessionDep, UowDep, get_uow
from medins.identity import InternalTokenVerifier, PrincipalKind, StaffRole
from medins.logging import configure_logging
from medins.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from medins.problems import install_problem_handlers
from medins.settings import ServiceSettings
from medins.tasks import stop_tasks
from medins.workdays import get_calendar

log = logging.getLogger("medins.app")


@dataclass(frozen=True)
class ConsumerSpec:
    """One queue ``<service>.<purpose>`` and the handlers of the event types it takes."""

    purpose: str
    handlers: dict[str, Handler]


@lru_cache(maxsize=1)
def shared_catalog() -> Catalog:
    """The catalogue, read and validated once per process."""
    return load_catalog()


class BrokerProbe:
    """Keeps one connection to the broker open so readiness can tell whether the broker is there."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url
        self.connection: AbstractConnection | None = None

    @property
    def ok(self) -> bool:
        return self.connection is not None and not self.connection.is_closed

    async def run(self) -> None:
        while True:
            if not self.ok:
                try:
                    self.connection = await aio_pika.connect(self.amqp_url, timeout=5)
                except Exception as exc:
                    log.warning("broker not reachable: %s", exc)
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self.connection is not None and not self.connection.is_closed:
            await self.connection.close()


def create_service_app(
    *,
    name: str,
    title: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter],
    consumers: Sequence[ConsumerSpec] = (),
    completion_handlers: Mapping[str, CompletionHandler] | None = None,
    description: str = "",
) -> FastAPI:
    registry = CollectorRegistry()
    outbox_pending = Gauge("outbox_pending", "Outbox rows not yet confirmed by the broker", registry=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(name, settings.log_level)
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.principal_verifier = InternalTokenVerifier(settings.internal_public_key())
        probe = BrokerProbe(settings.amqp_url)
        app.state.broker_probe = probe
        tasks = [asyncio.create_task(probe.run(), name="broker-probe")]
        relay = OutboxRelay(
            engine,
            settings.amqp_url,
            exchange=settings.exchange,
            batch_size=settings.relay_batch_size,
            idle_seconds=settings.relay_idle_seconds,
        )
        app.state.relay = relay
        if settings.relay_enabled:
            tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        app.state.consumers = []
        if settings.consumers_enabled:
            for spec in consumers:
                consumer = EventConsumer(
                    sessionmaker=app.state.sessionmaker,
                    amqp_url=settings.amqp_url,
                    queue_name=f"{settings.queue_prefix}{name}.{spec.purpose}",
                    handlers=spec.handlers,
                    exchange=settings.exchange,
                    delivery_limit=settings.consumer_delivery_limit,
                    prefetch=settings.consumer_prefetch,
                )
                app.state.consumers.append(consumer)
                tasks.append(asyncio.create_task(consumer.run(), name=f"consumer-{spec.purpose}"))
        log.info("%s started for region %s", name, settings.region)
        try:
            yield
        finally:
            await stop_tasks(tasks)
            await probe.close()
            await engine.dispose()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.service_name = name
    app.state.consumer_specs = list(consumers)
    # the case kit: the catalogue and calendar of this deployment's region (an unknown region fails here)
    app.state.case_kit = CaseKit(
        service=name,
        region=settings.region,
        catalog=shared_catalog(),
        calendar=get_calendar(settings.region),
        completion_handlers=completion_handlers,
        follow_up_days=settings.follow_up_working_days,
    )
    shared_catalog().region(settings.region)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, registry=registry, service=name)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, Any] = {}
        try:
            async with asyncio.timeout(2):
                async with request.app.state.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                    pending = (
                        await conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
                    ).scalar_one()
            outbox_pending.set(pending)
            checks["database"] = "ok"
            checks["outbox_pending"] = pending
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        checks["broker"] = "ok" if request.app.state.broker_probe.ok else "down"
        consumers = request.app.state.consumers
        checks["consumers"] = {c.queue_name: ("ok" if c.ready.is_set() else "down") for c in consumers}
        ready = (
            checks["database"] == "ok"
            and checks["broker"] == "ok"
            and all(v == "ok" for v in checks["consumers"].values())
        )
        return JSONResponse(
            {
                "status": "ready" if ready else "not_ready",
                "service": name,
                "region": settings.region,
                "checks": checks,
            },
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    cases = case_router(name)
    declare_audiences(cases.routes, CASE_AUDIENCES, prefix=f"/api/v1/{name}/cases")
    for router in [*routers, cases]:
        app.include_router(router, dependencies=[Depends(authorize_route)])
    return app


_STAFF = PrincipalKind.staff
#: who may call the case routes every service mounts; the case kit then checks the applicant or the role
CASE_AUDIENCES = {
    ("GET", ""): audience(*EVERYONE),
    ("GET", "/due"): audience(_STAFF),
    ("GET", "/{case_no}"): audience(*EVERYONE),
    ("GET", "/{case_no}/audit"): audience(_STAFF),
    ("GET", "/{case_no}/documents/{document_id}"): audience(*EVERYONE),
    ("POST", "/{case_no}/actions/{action}"): audience(_STAFF, *APPLICANTS),
    ("POST", "/{case_no}/pause"): audience(_STAFF, staff_roles=PAUSE_ROLES),
    ("POST", "/{case_no}/resume"): audience(_STAFF, staff_roles=PAUSE_ROLES),
    ("POST", "/{case_no}/extend"): audience(_STAFF, staff_roles=EXTENSION_ROLES),
    # staff reach the kit, which lets only the applicant evaluate (a bad body is a 422 for everyone)
    ("POST", "/{case_no}/evaluation"): audience(_STAFF, *APPLICANTS),
    ("POST", "/{case_no}/follow-up/close"): audience(_STAFF, staff_roles=(StaffRole.review, StaffRole.admin)),
}


# re-exported for the services' routers
__all__ = ["ConsumerSpec", "SessionDep", "UowDep", "create_service_app", "get_uow"]
