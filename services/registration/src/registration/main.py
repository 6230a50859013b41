"""The registration service's app."""

from fastapi import FastAPI

from medins.service_app import create_service_app
from registration.accounts.mutual_aid import complete_binding, complete_unbinding
from registration.accounts.router import router as accounts_router
from registration.accounts.withdrawals import complete_withdrawal
from registration.applications.router import router as applications_router
from registration.config import Settings
from registration.contributions.router import router as contributions_router
from registration.lifecycle import LIFECYCLE_HANDLERS, LIFECYCLE_ROUTERS
from registration.persons.router import router as persons_router
from registration.persons.service import complete_employee_registration
from registration.transfers_handlers import TRANSFER_CONSUMER
from registration.units.router import router as units_router
from registration.units.service import complete_unit_registration


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        name="registration",
        title="参保登记服务 registration",
        description="参保单位与参保人员的登记、变更、缴费期间与个人账户",
        settings=settings or Settings(),
        consumers=[TRANSFER_CONSUMER],
        routers=[
            applications_router,
            units_router,
            persons_router,
            accounts_router,
            *LIFECYCLE_ROUTERS,
            contributions_router,
        ],
        completion_handlers={
            "unit_registration": complete_unit_registration,
            "employee_registration": complete_employee_registration,
            **LIFECYCLE_HANDLERS,
            "account_withdrawal": complete_withdrawal,
            "family_mutual_aid_binding": complete_binding,
            "family_mutual_aid_unbinding": complete_unbinding,
        },
    )
