"""The transfer service's app."""

from fastapi import FastAPI

from medins.service_app import create_service_app
from transfer.config import Settings
from transfer.transfers.router import router as transfers_router


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="transfer",
        title="转移接续服务 transfer",
        description="基本医疗保险关系转移接续：参保凭证、联系函、信息表与个人账户资金划转",
        settings=settings or Settings(),
        routers=[transfers_router],
    )
