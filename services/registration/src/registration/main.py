"""The registration service's app."""

from fastapi import FastAPI

from medins.service_app import create_service_app
from registration.config import Settings
from registration.units.router import router as units_router


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="registration",
        title="参保登记服务 registration",
        description="参保单位与参保人员的登记、变更、缴费期间与个人账户",
        settings=settings or Settings(),
        routers=[units_router],
    )
