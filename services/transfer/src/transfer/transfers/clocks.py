"""The clocks of a transfer (spec ruling 1), no I/O.

Each stage has its own clock: the 转入地 issues the 联系函 within 5 working days of acceptance; the 转出地
issues the 信息表 and moves the balance within 10 of receiving the letter; the 转入地 completes within 5 of
receiving the table and the funds. The overall clock runs from acceptance at the 转入地 with the region's
overall limit (15 cross-province; 9 intra-province where the region says so, as Shandong does; 20 in
Ruzhou). A transfer is overdue when any stage clock or the overall clock is exceeded; both are shown.
"""

from dataclasses import dataclass
from datetime import date

from medins.catalog import ResolvedItem
from medins.catalog.models import Limit, Stage
from transfer.transfers.domain import is_intra_province

INTRA_PROVINCE = "intra_province"
LETTER, INFO_TABLE, COMPLETION = "letter", "info_table", "completion"


@dataclass(frozen=True)
class ClockPlan:
    """The limits one region applies to one transfer."""

    overall: Limit
    stages: dict[str, Stage]
    situations: list[str]


def clock_plan(item: ResolvedItem, *, origin: str, destination: str) -> ClockPlan:
    """The region's overall limit (the intra-province variant where the item has one) and its stage limits."""
    situations = []
    if is_intra_province(origin, destination) and INTRA_PROVINCE in item.situations:
        situations.append(INTRA_PROVINCE)
    return ClockPlan(
        overall=item.time_limit.applicable(None, situations),
        stages={stage.key: stage for stage in item.stages},
        situations=situations,
    )


@dataclass(frozen=True)
class ClockView:
    """One clock as staff see it: stage (or ``overall``), its deadline, and whether it is exceeded."""

    clock: str
    started_on: date | None
    deadline: date
    completed_on: date | None

    def exceeded(self, today: date) -> bool:
        """Still running past its deadline, or stopped after it."""
        if self.completed_on is not None:
            return self.completed_on > self.deadline
        return today > self.deadline

    def running_late(self, today: date) -> bool:
        return self.completed_on is None and today > self.deadline


def exceeded_clocks(clocks: list[ClockView], today: date) -> list[str]:
    """The names of the clocks exceeded (a transfer is overdue when this is not empty)."""
    return [c.clock for c in clocks if c.exceeded(today)]
