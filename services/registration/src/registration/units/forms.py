"""The forms of a unit's moves after registration: 样表1 登记类型 (暂停、注销、拆分合并分立, and 恢复) and
样表7 《基本医疗保险参保单位信息变更登记表》."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medins.ids import USCC, CertNo
from registration.applications.schemas import Submission
from registration.units.domain import InsuredProduct, RestructureInvalid, RestructureKind, check_restructure


class UnitStatusForm(BaseModel):
    """暂停登记 / 暂停后恢复 / 注销登记 of one unit."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: USCC = Field(description="统一社会信用代码")
    effective_on: date | None = Field(None, description="暂停、恢复或注销的时间（默认办结当日）")
    reason: str | None = Field(None, max_length=300, description="原因（如：停业、市场监督管理局注销通知书）")


class UnitChanges(BaseModel):
    """变更事项 (样表7): only the fields given change; their 原登记事项 are read from the register."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: USCC | None = Field(None, description="新统一社会信用代码（原代码记为原统一社会信用代码）")
    name: str | None = Field(None, min_length=2, max_length=200, description="单位名称")
    address: str | None = Field(None, min_length=2, max_length=300, description="住所（地址）")
    unit_type: str | None = Field(None, max_length=50, description="单位类型")
    unit_nature: str | None = Field(None, max_length=50, description="单位性质")
    affiliation: str | None = Field(None, max_length=50, description="隶属关系")
    superior_department: str | None = Field(None, max_length=200, description="上级主管部门")
    legal_rep_name: str | None = Field(None, min_length=1, max_length=50, description="法定代表人（负责人）姓名")
    legal_rep_certno: CertNo | None = Field(None, description="法定代表人（负责人）身份证件号码")
    legal_rep_phone: str | None = Field(None, pattern=r"^[0-9\-+ ]{7,20}$", description="法定代表人联系电话")
    handler_name: str | None = Field(None, min_length=1, max_length=50, description="缴费单位经办人姓名")
    handler_mobile: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$", description="经办人手机号码")
    handler_phone: str | None = Field(None, pattern=r"^[0-9\-+ ]{7,20}$", description="经办人联系电话")
    handler_department: str | None = Field(None, max_length=100, description="经办人员所在部门")
    bank_name: str | None = Field(None, max_length=100, description="开户行")
    bank_account_name: str | None = Field(None, max_length=200, description="户名")
    bank_account_no: str | None = Field(None, pattern=r"^[0-9]{8,32}$", description="账号")
    insured_products: list[InsuredProduct] | None = Field(None, min_length=1, description="参保险种")

    @model_validator(mode="after")
    def _something(self) -> "UnitChanges":
        if all(value is None for value in self.__dict__.values()):
            raise ValueError("至少填写一项变更事项")
        return self


class UnitChangeForm(BaseModel):
    """《基本医疗保险参保单位信息变更登记表》（样表7）."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: USCC = Field(description="单位现统一社会信用代码")
    changes: UnitChanges
    remarks: str | None = Field(None, max_length=300, description="备注")


class PersonTransfer(BaseModel):
    """One person moving to a successor unit (the staff list 「单位情况说明后附人员名单」)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: str = Field(min_length=5, max_length=30, description="证件号码")
    to_uscc: USCC = Field(description="转入的新单位统一社会信用代码")


class UnitRestructureForm(BaseModel):
    """拆分合并分立 (样表1): the predecessor and successor units (the successors registered first), and where
    the persons go. 合并 moves everyone to the one successor unless listed otherwise; 拆分 must place every
    person; 分立 moves only those listed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: RestructureKind = Field(description="split 拆分 / merge 合并 / division 分立")
    predecessors: list[USCC] = Field(min_length=1, max_length=20, description="原单位统一社会信用代码")
    successors: list[USCC] = Field(min_length=1, max_length=20, description="新单位统一社会信用代码（须已参保登记）")
    transfers: list[PersonTransfer] = Field(default_factory=list, max_length=5000, description="人员去向名单")
    effective_on: date | None = Field(None, description="生效时间（默认办结当日）")
    reason: str | None = Field(None, max_length=300, description="批准文件或协议书文号等说明")

    @model_validator(mode="after")
    def _shape(self) -> "UnitRestructureForm":
        try:
            check_restructure(self.kind, self.predecessors, self.successors)
        except RestructureInvalid as exc:
            raise ValueError(exc.detail) from exc
        if any(t.to_uscc not in self.successors for t in self.transfers):
            raise ValueError("人员去向只能是本次登记的新单位")
        return self

    @property
    def filing_uscc(self) -> str:
        """The unit that files: the surviving unit of a 合并, the original unit of a 拆分 or 分立."""
        return self.successors[0] if self.kind is RestructureKind.merge else self.predecessors[0]


class UnitStatusApplication(Submission):
    form: UnitStatusForm


class UnitChangeApplication(Submission):
    form: UnitChangeForm


class UnitRestructureApplication(Submission):
    form: UnitRestructureForm
