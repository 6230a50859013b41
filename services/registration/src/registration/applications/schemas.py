from pydantic import BaseModel, ConfigDict, Field

from medins.cases.schemas import CaseOut
from registration.persons.schemas import EmployeeRegistrationForm
from registration.units.schemas import RegisterUnit


class Submission(BaseModel):
    """What every application carries besides its form: the materials handed in and the applicant's situations."""

    model_config = ConfigDict(extra="forbid")

    materials: list[str] = Field(default_factory=list, description="提交的材料（事项材料清单中的 key）")
    situations: list[str] = Field(default_factory=list, description="申请情形（如 flexible_worker 灵活就业）")
    channel: str = Field("window", pattern=r"^(window|online|mobile|mail)$", description="办理渠道")


class UnitRegistrationApplication(Submission):
    form: RegisterUnit


class EmployeeRegistrationApplication(Submission):
    form: EmployeeRegistrationForm


class ApplicationOut(BaseModel):
    case: CaseOut
