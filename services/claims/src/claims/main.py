"""The claims service's app."""

from fastapi import FastAPI

from claims.config import Settings
from claims.offsite_care.router import router as offsite_care_router
from medins.service_app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="claims",
        title="待遇与报销服务 claims",
        description="异地就医备案、门诊慢特病与双通道药品待遇认定、零星报销、医疗救助",
        settings=settings or Settings(),
        routers=[offsite_care_router],
    )
