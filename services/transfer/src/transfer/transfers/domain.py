"""Rules of transfers (转移接续), no I/O."""

from enum import StrEnum


class TransferDirection(StrEnum):
    """Seen from this agency: the person comes in (转入) or goes out (转出)."""

    inbound = "inbound"  # 转入: this region is the destination_region (转入地)
    outbound = "outbound"  # 转出: this region is the origin_region (转出地)


class TransferStatus(StrEnum):
    """Where a transfer stands; the stages follow the 联系函 → 信息表 and funds → 办结 exchange."""

    submitted = "submitted"  # 申请
    accepted = "accepted"  # 受理
    not_accepted = "not_accepted"  # 不予受理
    incomplete = "incomplete"  # 补正
    letter_issued = "letter_issued"  # 《联系函》已出具 (转入地)
    info_table_issued = "info_table_issued"  # 《信息表》已出具、个人账户余额已划转 (转出地)
    completed = "completed"  # 办结
    withdrawn = "withdrawn"  # 撤回
