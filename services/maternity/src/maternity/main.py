"""The maternity service's app."""

from fastapi import FastAPI

from maternity.config import Settings
from maternity.coverage.router import router as coverage_router
from maternity.employers.router import router as employers_router
from maternity.events import UnitRegistered
from maternity.handlers import COVERAGE_HANDLERS, on_unit_registered
from medins.service_app import ConsumerSpec, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="maternity",
        title="生育保险待遇服务 maternity",
        description="产前检查费、生育医疗费、计划生育医疗费、生育津贴、一次性生育补助金",
        settings=settings or Settings(),
        routers=[employers_router, coverage_router],
        # queue maternity.employers: the employers (参保单位) registration announces; queue maternity.coverage:
        # the persons' enrolment events and contribution months, for "insured on this date" (coverage/)
        consumers=[
            ConsumerSpec(purpose="employers", handlers={UnitRegistered.event_type: on_unit_registered}),
            ConsumerSpec(purpose="coverage", handlers=COVERAGE_HANDLERS),
        ],
    )
