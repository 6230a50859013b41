"""The settlement service's app."""

from fastapi import FastAPI

from medins.service_app import create_service_app
from settlement.config import Settings
from settlement.declarations.router import router as declarations_router


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="settlement",
        title="费用结算服务 settlement",
        description="定点医药机构月度费用申报、对账、审核扣款、拨付与复审",
        settings=settings or Settings(),
        routers=[declarations_router],
    )
