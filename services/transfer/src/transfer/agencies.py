"""医疗保障经办机构 details printed on the transfer forms, loaded from data (demonstration values shipped)."""

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_FILE = Path(__file__).with_name("agencies.yaml")


class Agency(BaseModel):
    """An agency as 样表14 (转出地机构信息) and 样表15 (转入地机构信息) show it, with its fund account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    admdvs: str = Field(pattern=r"^\d{6}$", description="行政区划代码")
    name: str = Field(description="机构名称")
    address: str = Field(description="机构地址")
    postcode: str = Field(description="邮政编码")
    contact: str = Field(description="联系人")
    phone: str = Field(description="联系电话")
    account_name: str = Field(description="开户全称")
    bank_name: str = Field(description="开户银行")
    bank_code: str = Field(description="开户银行行号")
    account_no: str = Field(description="银行账号")


@lru_cache(maxsize=4)
def load_agencies(path: Path = DEFAULT_FILE) -> dict[str, Agency]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(code): Agency(admdvs=str(code), **fields) for code, fields in data["agencies"].items()}


def agency_of(region: str, path: Path = DEFAULT_FILE) -> Agency:
    """This deployment's agency; a region missing from the file is a configuration error at start-up."""
    agencies = load_agencies(path)
    if region not in agencies:
        raise RuntimeError(f"no agency details for region {region} in {path}")
    return agencies[region]
