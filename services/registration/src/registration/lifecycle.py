"""The routers and completion handlers of the lifecycle of units, employees and residents, for ``main``.

Items (事项) only these areas run are completed by their own handlers; the items they share with new
registration (单位参保登记, 职工参保登记) dispatch by the case form's ``operation`` in their existing handlers.
"""

from medins.cases.service import CompletionHandler
from registration.backpay.router import router as backpay_router
from registration.completion import by_operation
from registration.employees.router import router as employees_router
from registration.queries.router import router as queries_router
from registration.residents.router import router as residents_router
from registration.units.applications import router as unit_applications_router

LIFECYCLE_ROUTERS = [unit_applications_router, employees_router, backpay_router, residents_router, queries_router]

LIFECYCLE_HANDLERS: dict[str, CompletionHandler] = {
    "unit_change_registration": by_operation("unit_change"),
    "employee_change_registration": by_operation("employee_change"),
    "retirement_approval": by_operation("employee_retire"),
    "contribution_base_adjustment": by_operation("base_adjust"),
    "retiree_management": by_operation("retiree_death"),
    "gap_backpay": by_operation("gap_backpay"),
    "arrears_backpay": by_operation("arrears_backpay"),
    "resident_registration": by_operation("resident_enrol"),
    "student_registration": by_operation("resident_batch"),
    "resident_change_registration": by_operation("resident_change"),
    "person_insurance_query": by_operation("person_query"),
    "unit_insurance_query": by_operation("unit_query"),
}
