"""Rules of transfers (转移接续), no I/O: the two state machines, rejection reasons, document numbers.

Seen from one agency a transfer is either **inbound** (转入: this region is the 转入地, it issues the
《联系函》 and receives the 《信息表》 with the funds) or **outbound** (转出: this region is the 转出地, it
receives the letter, has registration debit the account and sends the table with the funds).
"""

from dataclasses import dataclass
from enum import StrEnum

from medins.errors import Conflict, ProblemError


class TransferDirection(StrEnum):
    """Seen from this agency: the person comes in (转入) or goes out (转出)."""

    inbound = "inbound"  # 转入: this region is the destination_region (转入地)
    outbound = "outbound"  # 转出: this region is the origin_region (转出地)


class TransferStatus(StrEnum):
    """Where a transfer stands in this agency."""

    # 转入地 (inbound)
    submitted = "submitted"  # 已申请，待受理（材料待补正或待窗口受理）
    accepted = "accepted"  # 已受理
    letter_issued = "letter_issued"  # 《联系函》已生成，待送达转出地
    letter_sent = "letter_sent"  # 《联系函》已送达转出地
    documents_received = "documents_received"  # 已收到《信息表》或资金（待两者齐全）
    mismatched = "mismatched"  # 基金匹配不符，待人工核对
    merging = "merging"  # 匹配成功，参保登记合并缴费期间并划入个人账户中
    merge_failed = "merge_failed"  # 参保登记未能接续，待人工处理
    sent_back = "sent_back"  # 不予接续：已向转出地发出退回（信息表和资金退回）
    # 转出地 (outbound)
    requested = "requested"  # 转出地受理申请，已转请转入地出具《联系函》
    letter_received = "letter_received"  # 已收到《联系函》，待参保登记核对并扣减个人账户
    table_issued = "table_issued"  # 《信息表》已出具、个人账户余额已划转，待送达
    returning = "returning"  # 转入地不予接续、资金退回，待参保登记返还个人账户并恢复参保状态
    returned = "returned"  # 转入地不予接续，个人账户已返还、参保状态已恢复
    # both
    completed = "completed"  # 办结
    rejected = "rejected"  # 不予办理（原因已告知申请人）


class TransferAction(StrEnum):
    accept = "accept"
    issue_letter = "issue_letter"
    deliver = "deliver"  # the partner acknowledged our document(s)
    receive_documents = "receive_documents"  # 《信息表》 or the remittance arrived
    match = "match"  # 基金匹配 succeeded
    mismatch = "mismatch"
    complete = "complete"
    merge_refused = "merge_refused"
    receive_letter = "receive_letter"
    prepare = "prepare"  # registration debited the account: the table and the remittance go out
    reject = "reject"
    send_back = "send_back"  # 转入地不予接续：信息表和资金退回转出地
    receive_return = "receive_return"  # 转出地收到转入地的退回
    take_back = "take_back"  # 转入地拒收《信息表》（未送达），转出地收回信息表和资金
    restore = "restore"  # 参保登记已返还个人账户、恢复参保状态


S, A = TransferStatus, TransferAction

INBOUND: dict[tuple[TransferStatus, TransferAction], TransferStatus] = {
    (S.submitted, A.accept): S.accepted,
    (S.submitted, A.reject): S.rejected,
    (S.accepted, A.issue_letter): S.letter_issued,
    (S.letter_issued, A.deliver): S.letter_sent,
    (S.letter_issued, A.receive_documents): S.documents_received,
    (S.letter_sent, A.receive_documents): S.documents_received,
    (S.documents_received, A.receive_documents): S.documents_received,
    (S.documents_received, A.match): S.merging,
    (S.documents_received, A.mismatch): S.mismatched,
    (S.merging, A.complete): S.completed,
    (S.merging, A.merge_refused): S.merge_failed,
    (S.accepted, A.reject): S.rejected,
    (S.letter_issued, A.reject): S.rejected,
    (S.letter_sent, A.reject): S.rejected,
    (S.documents_received, A.send_back): S.sent_back,
    (S.mismatched, A.send_back): S.sent_back,
    (S.merge_failed, A.send_back): S.sent_back,
}

OUTBOUND: dict[tuple[TransferStatus, TransferAction], TransferStatus] = {
    (S.submitted, A.accept): S.requested,
    (S.submitted, A.reject): S.rejected,
    (S.requested, A.receive_letter): S.letter_received,
    (S.letter_received, A.prepare): S.table_issued,
    (S.table_issued, A.deliver): S.completed,
    (S.requested, A.reject): S.rejected,
    (S.letter_received, A.reject): S.rejected,
    (S.table_issued, A.receive_return): S.returning,
    (S.completed, A.receive_return): S.returning,
    (S.table_issued, A.take_back): S.returning,
    (S.returning, A.restore): S.returned,
}

STATUS_ZH = {
    S.submitted: "已申请",
    S.accepted: "已受理",
    S.letter_issued: "联系函已出具",
    S.letter_sent: "联系函已发出",
    S.documents_received: "已收到信息表或资金",
    S.mismatched: "基金匹配不符",
    S.merging: "接续中",
    S.merge_failed: "接续失败待处理",
    S.sent_back: "不予接续，已退回转出地",
    S.requested: "已转请转入地出具联系函",
    S.letter_received: "已收到联系函",
    S.table_issued: "信息表已出具、资金已划转",
    S.returning: "转入地不予接续，个人账户返还中",
    S.returned: "转入地不予接续，个人账户已返还",
    S.completed: "已办结",
    S.rejected: "不予办理",
}
OPEN_STATUSES = frozenset(set(STATUS_ZH) - {S.completed, S.rejected, S.sent_back, S.returned})
ACTION_ZH = {
    A.accept: "受理",
    A.issue_letter: "出具联系函",
    A.deliver: "确认送达",
    A.receive_documents: "接收信息表或资金",
    A.match: "基金匹配",
    A.mismatch: "记录基金匹配不符",
    A.complete: "办结",
    A.merge_refused: "记录接续失败",
    A.receive_letter: "接收联系函",
    A.prepare: "出具信息表、划转资金",
    A.reject: "不予办理",
    A.send_back: "不予接续、退回转出地",
    A.receive_return: "接收转入地的退回",
    A.take_back: "收回被转入地拒收的信息表和资金",
    A.restore: "返还个人账户、恢复参保状态",
}


class IllegalTransferTransition(Conflict):
    code = "illegal_transfer_transition"
    title = "转移接续当前状态不允许此操作"


def next_transfer_status(
    direction: TransferDirection, current: TransferStatus, action: TransferAction
) -> TransferStatus:
    """The status after ``action``; an action the current status does not allow is a 409."""
    table = INBOUND if direction is TransferDirection.inbound else OUTBOUND
    target = table.get((current, action))
    if target is None:
        raise IllegalTransferTransition(f"转移接续当前为「{STATUS_ZH[current]}」，不能执行「{ACTION_ZH[action]}」")
    return target


class RejectionReason(StrEnum):
    """Why the 转出地 (or the 转入地, for an application forwarded to it) will not transfer the person."""

    unknown_person = "unknown_person"
    not_suspended = "not_suspended"
    name_mismatch = "name_mismatch"
    certno_mismatch = "certno_mismatch"
    already_transferred = "already_transferred"
    no_employee_enrolment = "no_employee_enrolment"
    not_enrolled_at_destination = "not_enrolled_at_destination"
    transfer_in_progress = "transfer_in_progress"
    not_accepted = "not_accepted"
    fund_mismatch = "fund_mismatch"
    destination_refused = "destination_refused"
    other = "other"


REJECTION_ZH = {
    RejectionReason.unknown_person: "转出地查无此参保人员",
    RejectionReason.not_suspended: "参保人员在转出地尚未办理停保手续",
    RejectionReason.name_mismatch: "姓名与转出地登记的不一致",
    RejectionReason.certno_mismatch: "身份证件号码与《参保凭证》登记的不一致",
    RejectionReason.already_transferred: "参保人员的医疗保险关系已转出",
    RejectionReason.no_employee_enrolment: "参保人员在转出地没有职工基本医疗保险参保记录",
    RejectionReason.not_enrolled_at_destination: "参保人员尚未在转入地办理参保缴费手续",
    RejectionReason.transfer_in_progress: "参保人员已有正在办理的转移接续",
    RejectionReason.not_accepted: "申请未予受理",
    RejectionReason.fund_mismatch: "《信息表》与划转资金核对不符（基金匹配未通过）",
    RejectionReason.destination_refused: "转入地拒收《参保人员基本医疗保险信息表》",
    RejectionReason.other: "经办机构不予办理",
}


def rejection_reason(code: str) -> RejectionReason:
    """A reason code from another service or region; one this version does not know is ``other``."""
    try:
        return RejectionReason(code)
    except ValueError:
        return RejectionReason.other


def rejection_text(reason: RejectionReason, detail: str | None = None) -> str:
    """The sentence the one-time notice shows the applicant."""
    text = REJECTION_ZH[reason]
    return f"{text}（{detail}）" if detail and detail != text else text


def is_intra_province(region_a: str, region_b: str) -> bool:
    """省内转移接续: both 医保区划 codes in one province (their first two digits)."""
    return region_a[:2] == region_b[:2]


def document_number(region: str, year: int, sequence: int, *, width: int) -> str:
    """Region + year + a sequence of at least ``width`` digits: 联系函 7 (样表15), 参保凭证 4 (样表14)."""
    if not (len(region) == 6 and region.isdigit()) or not 1 <= sequence:
        raise ValueError("bad region or sequence")
    return f"{region}{year:04d}{sequence:0{width}d}"


LETTER_DIGITS = 7
CERTIFICATE_DIGITS = 4


def letter_number(region: str, year: int, sequence: int) -> str:
    """《联系函》编号: ``43100020260000001`` (郴州市 2026年 第0000001号)."""
    return document_number(region, year, sequence, width=LETTER_DIGITS)


def certificate_number(region: str, year: int, sequence: int) -> str:
    """《参保凭证》凭证号: ``43100020260001`` (郴州市 2026年 第0001号)."""
    return document_number(region, year, sequence, width=CERTIFICATE_DIGITS)


@dataclass(frozen=True)
class ParsedNumber:
    region: str
    year: int
    sequence: int

    def display(self, region_name: str, width: int) -> str:
        """How the form prints it: 郴州市2026年第0000001号."""
        return f"{region_name}{self.year}年第{self.sequence:0{width}d}号"


class BadDocumentNumber(ProblemError):
    status = 422
    code = "bad_document_number"
    title = "文书编号格式不正确"


def parse_number(number: str, *, width: int) -> ParsedNumber:
    if not (number.isdigit() and len(number) >= 10 + width):
        raise BadDocumentNumber(f"编号 {number} 应为 6 位医保区划、4 位年份和至少 {width} 位顺序号")
    sequence = int(number[10:])
    if sequence < 1:
        raise BadDocumentNumber(f"编号 {number} 的顺序号不能为 0")
    return ParsedNumber(number[:6], int(number[6:10]), sequence)
