import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class BatchSource(StrEnum):
    """Who sent a contribution file: the tax bureau collects contributions (税务征收)."""

    tax = "tax"


class RejectionOut(BaseModel):
    line: int = Field(description="文件中的行号（表头为第1行）")
    code: str = Field(description="稳定的错误代码，如 certno_invalid、month_invalid、duplicate_in_file")
    field: str | None = Field(description="第一个有问题的列")
    reason: str = Field(description="原因（中文）；一行有多个问题时以“；”分隔")
    value: str | None = Field(description="该列的值（身份证号脱敏）")


class ContributionBatchOut(BaseModel):
    """缴费明细批次 with its counts and one page of its row report (逐行报告)."""

    id: uuid.UUID
    source: BatchSource
    period: str = Field(description="批次费款所属期 YYYY-MM")
    status: str = Field(description="completed 全部导入 / completed_with_errors 部分行被拒绝")
    file_name: str | None
    rows_total: int = Field(description="数据行数（不含表头和空行）")
    rows_recorded: int = Field(description="新记录的缴费月数")
    rows_unchanged: int = Field(description="此前已记录且内容相同的行（重复导入无影响）")
    rows_rejected: int = Field(description="被拒绝的行，见 rejections")
    created_by: str
    created_at: datetime
    rejections: list[RejectionOut] = Field(description="被拒绝的行，按行号排序，分页")
    next_after_line: int | None = Field(description="下一页：?after_line=该值；没有更多时为 null")


class ContributionBatchSummary(BaseModel):
    id: uuid.UUID
    source: BatchSource
    period: str
    status: str
    file_name: str | None
    rows_total: int
    rows_recorded: int
    rows_unchanged: int
    rows_rejected: int
    created_by: str
    created_at: datetime


class InsuredPeriodOut(BaseModel):
    """参保期间: consecutive contribution months here, or a period brought in by a transfer (转入)."""

    start: str = Field(description="起 YYYY-MM")
    end: str = Field(description="止 YYYY-MM")
    months: int = Field(description="参保缴费月数小计")
    source: str = Field("local", description="local 本统筹区缴费记录 / transfer_in 转移接续转入（转出地《信息表》）")
    source_zh: str = Field("本地", description="本地 / 转入")
    admdvs: str | None = Field(None, description="参保地医保区划（转入的期间为转出地）")
    agency_name: str | None = Field(None, description="统筹地区经办机构名称（转入的期间）")
    letter_no: str | None = Field(None, description="转入的期间所属《联系函》编号")
    remark: str | None = Field(None, description="备注（转出地《信息表》的备注）")


class InsuranceMonthsOut(BaseModel):
    insutype: str = Field(description="险种类型 310 / 390 / 510")
    insutype_name: str
    periods: list[InsuredPeriodOut]
    actual_months: int = Field(description="实际缴费月数（含补缴月数）")
    backpaid_months: int = Field(description="其中法定断档补缴、欠款补缴的月数")
    deemed_months: int = Field(description="视同缴费月数（职工医保，来自在职转退休样表4；未办理退休为0）")
    transferred_months: int = Field(
        0, description="转移接续转入的缴费月数（转出地《信息表》，与本地重复的月份只计一次）"
    )
    cumulative_months: int = Field(description="累计缴费月数 = 视同 + 实际 + 转入")
    continuous_months: int = Field(
        description="截至 as_of 当月（或上月）的连续缴费月数（与紧接其前、无断缴的转入期间连续计算）；此前已断缴为0"
    )
    last_month: str | None = Field(description="最近一个缴费月份 YYYY-MM")
    insured_in_month: bool = Field(description="as_of 所在月份是否有缴费记录")


class InsuredPeriodsOut(BaseModel):
    psn_no: str = Field(description="人员编号")
    name: str
    certno_masked: str
    as_of: date
    insurances: list[InsuranceMonthsOut]
