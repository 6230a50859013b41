"""样表10 《基本医疗保险法定断档补缴申请表》 and the 欠款补缴 application (徐州 2.7)."""

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medins.ids import USCC
from medins.money import Money
from registration.applications.schemas import Submission
from registration.backpay.domain import ArrearsKind, GapScenario
from registration.employees.forms import PersonRef, UnitOrFlexible, year_month
from registration.persons.domain import PersonnelType


def positive(value: object) -> object:
    if not value or value <= 0:  # type: ignore[operator]
        raise ValueError("金额应大于0")
    return value


class GapRow(PersonRef):
    sex: str | None = Field(None, pattern=r"^[12]$", description="性别: 1 男 / 2 女")
    personnel_type: PersonnelType = Field(PersonnelType.in_service, description="人员类别: 在职 / 退休")
    monthly_wage: Money = Field(description="补缴工资（元/月）")
    start_month: str = Field(description="补缴开始年月 YYYY-MM")
    end_month: str = Field(description="补缴结束年月 YYYY-MM")
    mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    remarks: str | None = Field(None, max_length=200)

    _months = field_validator("start_month", "end_month")(year_month)
    _wage = field_validator("monthly_wage")(positive)


class GapBackpayForm(UnitOrFlexible):
    """《基本医疗保险法定断档补缴申请表》（样表10）; 当前参保状态 is read from the register."""

    scenario: GapScenario = Field(
        description="gap_during_employment 劳动关系存续期 / gap_by_ruling 仲裁、监察或法院判决 / gap_other 其他"
    )
    rows: list[GapRow] = Field(min_length=1, max_length=100)


class ArrearsForm(BaseModel):
    """欠款补缴: a unit's arrears (单位欠费补缴) or one employee's (职工欠费补缴) for a period (费款所属期)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ArrearsKind = Field(description="unit 单位欠费补缴 / employee 职工欠费补缴")
    unit_uscc: USCC | None = Field(None, description="单位统一社会信用代码")
    person: PersonRef | None = Field(None, description="职工（职工欠费补缴）")
    start_month: str = Field(description="费款所属期起 YYYY-MM")
    end_month: str = Field(description="费款所属期止 YYYY-MM")
    amount: Money = Field(description="补缴金额（元）")
    personal_repayment: bool = Field(False, description="个人还欠")

    _months = field_validator("start_month", "end_month")(year_month)
    _amount = field_validator("amount")(positive)

    @model_validator(mode="after")
    def _who(self) -> "ArrearsForm":
        if self.kind is ArrearsKind.unit and (self.unit_uscc is None or self.person is not None):
            raise ValueError("单位欠费补缴须填写单位统一社会信用代码，不填职工")
        if self.kind is ArrearsKind.employee and self.person is None:
            raise ValueError("职工欠费补缴须填写职工信息")
        return self


class GapBackpayApplication(Submission):
    form: GapBackpayForm


class ArrearsApplication(Submission):
    form: ArrearsForm
