from datetime import date

from pydantic import BaseModel, Field


class PeriodOut(BaseModel):
    start: str = Field(description="起始年月 YYYY-MM")
    end: str = Field(description="截止年月 YYYY-MM")
    months: int = Field(description="月数")


class TransferredPeriodOut(BaseModel):
    start: str = Field(description="起始年月 YYYY-MM")
    end: str = Field(description="截止年月 YYYY-MM")
    months: int = Field(description="该期间的缴费月数（信息表的小计）")
    admdvs: str | None = Field(description="参保地医保区划")
    letter_no: str | None = Field(description="转移接续《联系函》编号")


class StatusChangeOut(BaseModel):
    insutype: str = Field(description="险种类型（510 的参保状态随 310 职工基本医疗（生育）保险）")
    status: str = Field(description="参保状态 enrolled 参保缴费 / suspended 暂停 / terminated 终止 / retired 退休")
    effective_on: date = Field(description="生效日期")
    reason: str | None = Field(default=None, description="终止原因")


class CoverageOut(BaseModel):
    """参保状态与缴费月数: was the person insured under ``insutype`` on ``on``."""

    certno: str = Field(description="证件号码")
    psn_no: str = Field(description="人员编号")
    insutype: str = Field(description="险种类型 310 / 390 / 510")
    on: date = Field(description="查询日期")
    insured: bool = Field(
        description="当日是否参保：参保状态有效且当月已缴费（或断档补缴、转入）；欠费补缴的月份计入缴费月数，但当日不享受待遇"
    )
    enrolment_status: str | None = Field(description="当日的参保状态；从未参保登记为空")
    enrolment_status_since: date | None = Field(description="该状态的生效日期")
    month_contributed: bool = Field(description="查询日所在月份是否计入缴费月数")
    consecutive_months: int = Field(description="连续缴费月数（截至查询月或其上月，断缴后为 0）")
    cumulative_months: int = Field(description="累计缴费月数（截至查询月，含转移接续转入的月数）")
    transferred_months: int = Field(0, description="其中转移接续转入的月数（与本地重复缴费的月份只计一次）")
    arrears_month: bool = Field(
        False, description="查询日所在月份为欠费后补缴的月份（欠款补缴）：计入缴费月数，待遇自补缴次月起恢复，不追溯"
    )
    last_contributed_month: str | None = Field(description="截至查询月最后一个缴费月份 YYYY-MM")
    died_on: date | None = Field(description="死亡日期")
    periods: list[PeriodOut] = Field(description="参保期间（连续缴费月份合并，含转入的无断缴期间）")
    transferred_periods: list[TransferredPeriodOut] = Field(
        default_factory=list, description="转移接续转入的期间（转出地《信息表》所列，截至查询月）"
    )
    history: list[StatusChangeOut] = Field(description="参保状态变化记录")
