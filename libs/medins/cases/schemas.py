from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from medins.cases.domain import CaseStatus, Grade


class DocumentRef(BaseModel):
    id: str
    kind: str = Field(description="notice 一次性告知单 | receipt 业务回执单")
    form: str
    created_at: datetime


class StageClockOut(BaseModel):
    stage: str
    started_on: date
    deadline: date
    provisional: bool
    completed_on: date | None


class CaseOut(BaseModel):
    """办件 as its applicant and staff see it: where it is, what is due when."""

    case_no: str = Field(description="办件编号")
    item_key: str
    item_name: str = Field(description="事项名称")
    region: str
    channel: str
    applicant_kind: str
    applicant_id: str
    applicant_name: str | None
    status: CaseStatus
    progress: str = Field(description="已受理 / 办理中 / 已办结 …")
    outcome: str | None = Field(None, description="approved 办结通过 | rejected 不予办理")
    submitted_at: datetime
    accepted_on: date | None
    deadline: date | None = Field(None, description="办理时限截止日（工作日计）")
    deadline_provisional: bool = Field(False, description="截止日所在年份尚无公布的节假日安排，按周一至周五计算")
    working_days_left: int | None = None
    overdue: bool = False
    paused: bool = False
    extension_days: int = 0
    missing: list[str] = Field(default_factory=list, description="一次性告知的缺少材料")
    result: dict[str, Any] | None = None
    documents: list[DocumentRef] = Field(default_factory=list)
    stage_clocks: list[StageClockOut] = Field(default_factory=list)
    evaluation: str | None = None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=1000, description="原因（不予受理、审核不通过时必填）")
    materials: list[str] = Field(default_factory=list, description="补正时新交的材料")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(ge=1, le=20, description="延长的工作日数")
    reason: str = Field(min_length=1, max_length=1000, description="特殊情况原因")


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grade: Grade = Field(description="非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意")
    comment: str | None = Field(None, max_length=1000)


class FollowUpCloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rectification_note: str = Field(min_length=1, max_length=2000, description="整改情况")


class FollowUpOut(BaseModel):
    case_no: str
    due_on: date
    closed_at: datetime | None
    rectification_note: str | None


class TransitionOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor_kind: str
    actor_id: str
    actor_roles: list[str]
    at: datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class DueCaseOut(BaseModel):
    case_no: str
    item_name: str
    status: CaseStatus
    deadline: date
    working_days_left: int
    overdue: bool
