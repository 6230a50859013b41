"""The institutions service's app."""

from fastapi import FastAPI

from institutions.config import Settings
from institutions.directory.router import router as directory_router
from medins.service_app import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="institutions",
        title="定点医药机构服务 institutions",
        description="医疗机构与零售药店申请定点协议管理、服务协议、定点医药机构目录、举报投诉",
        settings=settings or Settings(),
        routers=[directory_router],
    )
