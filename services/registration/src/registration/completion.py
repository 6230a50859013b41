"""The completion handlers of the cases the service runs, by the ``operation`` their form names.

Several moves share one item (职工参保登记 carries 新增, 减少, 恢复, 在职转退休; 单位参保登记 carries 新参保,
暂停, 恢复, 注销, 拆分合并分立), and which item a move runs under depends on the region's catalogue; so the
case's form names its operation and the item's handler runs that one (``by_operation``).
"""

from sqlalchemy.engine import RowMapping

from medins.cases.service import CompletionHandler
from medins.db import UnitOfWork
from medins.errors import ProblemError
from registration.backpay.service import complete_arrears_backpay, complete_gap_backpay
from registration.employees.retirees import complete_retiree_death, complete_retiree_unit_change
from registration.employees.service import (
    complete_base_adjustment,
    complete_employee_change,
    complete_reduction,
    complete_resumption,
    complete_retirement,
)
from registration.queries.service import complete_person_query, complete_unit_query
from registration.residents.service import (
    complete_resident_batch,
    complete_resident_change,
    complete_resident_enrolment,
)
from registration.units.lifecycle import complete_unit_change, complete_unit_restructure, complete_unit_status

OPERATIONS: dict[str, CompletionHandler] = {
    "unit_suspend": complete_unit_status,
    "unit_resume": complete_unit_status,
    "unit_cancel": complete_unit_status,
    "unit_change": complete_unit_change,
    "unit_restructure": complete_unit_restructure,
    "employee_reduce": complete_reduction,
    "employee_resume": complete_resumption,
    "employee_retire": complete_retirement,
    "employee_change": complete_employee_change,
    "base_adjust": complete_base_adjustment,
    "retiree_death": complete_retiree_death,
    "retiree_unit_change": complete_retiree_unit_change,
    "gap_backpay": complete_gap_backpay,
    "arrears_backpay": complete_arrears_backpay,
    "resident_enrol": complete_resident_enrolment,
    "resident_batch": complete_resident_batch,
    "resident_change": complete_resident_change,
    "person_query": complete_person_query,
    "unit_query": complete_unit_query,
}


class UnknownOperation(ProblemError):
    status = 409
    code = "unknown_operation"
    title = "办件所列业务无法办理"


async def run_operation(uow: UnitOfWork, case: RowMapping) -> dict[str, object]:
    name = (case["form"] or {}).get("operation")
    handler = OPERATIONS.get(str(name))
    if handler is None:
        raise UnknownOperation(f"办件 {case['case_no']} 所列业务「{name}」无法办理")
    return await handler(uow, case)


def by_operation(default: str) -> CompletionHandler:
    """The handler of an item: the operation its case's form names, else ``default``."""

    async def complete(uow: UnitOfWork, case: RowMapping) -> dict[str, object]:
        if (case["form"] or {}).get("operation"):
            return await run_operation(uow, case)
        return await OPERATIONS[default](uow, case)

    return complete
