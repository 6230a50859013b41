"""The transfer service's app: the case kit, the partner API and its sender, registration's events."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from medins.partners import PartnerClient
from medins.service_app import create_service_app, shared_catalog
from medins.tasks import stop_tasks
from transfer.agencies import agency_of
from transfer.config import Settings
from transfer.context import TransferContext
from transfer.handlers import consumers
from transfer.partner.directory import load_signer
from transfer.partner.outbox import PartnerSender
from transfer.partner.router import router as partner_router
from transfer.transfers import certificates, delivery
from transfer.transfers.router import router as transfers_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = TransferContext(
        region=settings.region,
        region_name=shared_catalog().region(settings.region).name,
        agency=agency_of(settings.region, settings.agencies_file),
        signer=load_signer(settings.region, settings.region_key_file),
    )
    app = create_service_app(
        name="transfer",
        title="转移接续服务 transfer",
        description="基本医疗保险关系转移接续：参保凭证、联系函、信息表与个人账户资金划转，及地区间接口",
        settings=settings,
        routers=[transfers_router, partner_router],
        consumers=consumers(ctx),
        completion_handlers={
            certificates.CERTIFICATE_ITEM: certificates.completion_handler(ctx),
            "transfer_in": delivery.completion_guard(ctx),
            "transfer_out": delivery.completion_guard(ctx),
        },
    )
    ctx.kit = app.state.case_kit
    app.state.transfer_ctx = ctx
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            client = PartnerClient(ctx.signer, timeout=settings.partner_timeout_seconds)
            on_delivered, on_refused = delivery.partner_hooks(ctx)
            sessionmaker = app.state.sessionmaker
            sender = PartnerSender(
                sessionmaker,
                client,
                on_delivered=on_delivered,
                on_refused=on_refused,
                sweep=lambda: delivery.sweep(sessionmaker, ctx),
                base_delay=settings.partner_retry_base_seconds,
                max_delay=settings.partner_retry_max_seconds,
                poll_seconds=settings.partner_poll_seconds,
            )
            app.state.partner_sender = sender
            task = asyncio.create_task(sender.run(), name="partner-sender") if settings.partner_sender_enabled else None
            try:
                yield
            finally:
                if task is not None:
                    await stop_tasks([task])
                await client.aclose()

    app.router.lifespan_context = lifespan
    return app
