"""Rules of the personal account (个人账户), no I/O: movements, one-time withdrawal, family mutual aid."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from medins.errors import ProblemError


class Direction(StrEnum):
    credit = "credit"  # 划入
    debit = "debit"  # 支出


class EntryReason(StrEnum):
    """Why an account moved (the ledger's reason code)."""

    contribution_allocation = "contribution_allocation"  # 按月划入（由缴费划入个人账户）
    transfer_in = "transfer_in"  # 转移接续转入
    transfer_return = "transfer_return"  # 转移接续退回：转入地不予接续，转出的余额返还
    adjustment_credit = "adjustment_credit"  # 更正调增
    withdrawal = "withdrawal"  # 一次性支取
    transfer_out = "transfer_out"  # 转移接续转出（余额划转）
    clawback = "clawback"  # 扣回多划个人账户金额（如死亡后多划的部分）
    adjustment_debit = "adjustment_debit"  # 更正调减


ENTRY_REASON_ZH = {
    EntryReason.contribution_allocation: "按月划入",
    EntryReason.transfer_in: "转移接续转入",
    EntryReason.transfer_return: "转移接续退回返还",
    EntryReason.adjustment_credit: "更正调增",
    EntryReason.withdrawal: "一次性支取",
    EntryReason.transfer_out: "转移接续转出",
    EntryReason.clawback: "扣回多划金额",
    EntryReason.adjustment_debit: "更正调减",
}
CREDIT_REASONS = frozenset(
    {
        EntryReason.contribution_allocation,
        EntryReason.transfer_in,
        EntryReason.transfer_return,
        EntryReason.adjustment_credit,
    }
)
#: debits staff may post directly; a withdrawal only comes from its case, a transfer-out from the transfer
STAFF_DEBIT_REASONS = frozenset({EntryReason.clawback, EntryReason.adjustment_debit})


class InsufficientBalance(ProblemError):
    status = 422
    code = "insufficient_balance"
    title = "个人账户余额不足"


class InvalidAmount(ProblemError):
    status = 422
    code = "invalid_amount"
    title = "金额不正确"


def check_debit(balance: Decimal, amount: Decimal) -> None:
    """A debit never takes the balance below zero."""
    if amount <= 0:
        raise InvalidAmount("支出金额必须大于 0")
    if amount > balance:
        raise InsufficientBalance(f"支出金额 {amount:.2f} 元超过个人账户余额 {balance:.2f} 元，不能透支")


def check_credit(amount: Decimal) -> None:
    if amount <= 0:
        raise InvalidAmount("划入金额必须大于 0")


# -- 一次性支取 ---------------------------------------------------------------------------------------


class WithdrawalReason(StrEnum):
    """支取原因, as the guides list them (the codes are the project's; the seeds give none)."""

    death = "death"  # 死亡（继承人（代表人）办理）
    settled_abroad = "settled_abroad"  # 出国定居 / 出国（境）
    voluntary_exit = "voluntary_exit"  # 主动放弃参加职工基本医疗保险
    left_scheme = "left_scheme"  # 医疗保险关系转移至统筹范围外 / 跨制度转移或不具备转移接续条件返还
    offsite_resettlement = "offsite_resettlement"  # 办理异地安置
    pension_lump_sum_clearance = "pension_lump_sum_clearance"  # 一次性领取养老金人员清退
    other = "other"  # 其他原因办理退保（须写明）


WITHDRAWAL_REASON_ZH = {
    WithdrawalReason.death: "死亡",
    WithdrawalReason.settled_abroad: "出国定居",
    WithdrawalReason.voluntary_exit: "主动放弃参保",
    WithdrawalReason.left_scheme: "医疗保险关系转移至统筹范围外",
    WithdrawalReason.offsite_resettlement: "办理异地安置",
    WithdrawalReason.pension_lump_sum_clearance: "一次性领取养老金人员清退",
    WithdrawalReason.other: "其他",
}

R = WithdrawalReason
#: the reasons each region's guide lists (ruling 4: only those). Regions not named here use the Shandong
#: provincial list, the catalogue's national default.
ALLOWED_REASONS: dict[str, frozenset[WithdrawalReason]] = {
    # 郴州 样表13 支取原因「□死亡 □出国定居 □主动放弃 □其他」
    "431000": frozenset({R.death, R.settled_abroad, R.voluntary_exit, R.other}),
    # 山东 E-3.3: 出国定居、医疗保险关系转移至统筹范围外、死亡、办理异地安置; list notes: 主动放弃参保
    "370700": frozenset({R.death, R.settled_abroad, R.left_scheme, R.offsite_resettlement, R.voluntary_exit}),
    # 徐州 2.8: 死亡、出国（境）或其他原因办理退保; materials: 主动放弃, 一次性领取养老金人员清退
    "320300": frozenset({R.death, R.settled_abroad, R.voluntary_exit, R.pension_lump_sum_clearance, R.other}),
    # 舞钢 W09: 出国定居、死亡、主动放弃; 跨制度转移或不具备转移接续条件 → 个人账户返还
    "410481": frozenset({R.death, R.settled_abroad, R.voluntary_exit, R.left_scheme}),
}
DEFAULT_REASONS = ALLOWED_REASONS["370700"]
#: the only reason that does not end the insurance first (山东: 办理异地安置); every other one needs 已办理停保
KEEPS_ENROLMENT = frozenset({R.offsite_resettlement})
#: the catalogue's situation key for a reason (materials that apply only then, e.g. 死亡医学证明)
REASON_SITUATION = {
    R.death: "death",
    R.settled_abroad: "emigration",
    R.voluntary_exit: "voluntary_exit",
    R.pension_lump_sum_clearance: "lump_sum_pension_clearance",
    R.left_scheme: "account_return",
}


class WithdrawalNotAllowed(ProblemError):
    status = 422
    code = "withdrawal_reason_not_allowed"
    title = "不符合个人账户一次性支取的条件"


class HeirRequired(ProblemError):
    status = 422
    code = "heir_required"
    title = "因死亡支取须填写继承人（代表人）信息"


class PayeeNotEntitled(ProblemError):
    status = 422
    code = "payee_not_entitled"
    title = "收款银行账户户名与领取人不符"


class NotYetStopped(ProblemError):
    status = 422
    code = "insurance_not_stopped"
    title = "参保人员尚未办理停保"


class NothingToWithdraw(ProblemError):
    status = 422
    code = "nothing_to_withdraw"
    title = "个人账户没有可支取的余额"


def allowed_reasons(region: str) -> frozenset[WithdrawalReason]:
    return ALLOWED_REASONS.get(region, DEFAULT_REASONS)


def reason_situations(reason: WithdrawalReason, known: frozenset[str] | set[str]) -> list[str]:
    """The item's situations a reason brings, so the region's conditional materials are asked for."""
    situation = REASON_SITUATION.get(reason)
    return [situation] if situation is not None and situation in known else []


@dataclass(frozen=True)
class WithdrawalRequest:
    """What the rules need to know about an application; the I/O layer fills it in."""

    region: str
    reason: WithdrawalReason
    reason_note: str | None
    insured_name: str
    heir_name: str | None
    payee_account_name: str
    still_enrolled: bool  # an employee enrolment (310) still in force


def check_withdrawal(request: WithdrawalRequest) -> None:
    """Only for the reasons the region's guide lists, after 停保, paid to the person (or on death the heir)."""
    allowed = allowed_reasons(request.region)
    if request.reason not in allowed:
        listed = "、".join(WITHDRAWAL_REASON_ZH[r] for r in WithdrawalReason if r in allowed)
        raise WithdrawalNotAllowed(
            f"本统筹区个人账户一次性支取仅限以下原因：{listed}；"
            f"「{WITHDRAWAL_REASON_ZH[request.reason]}」不在其列。转移接续时个人账户余额随关系划转，不能支取"
        )
    if request.reason is R.other and not (request.reason_note and request.reason_note.strip()):
        raise WithdrawalNotAllowed("支取原因为「其他」的，须写明具体原因", code="reason_note_required")
    if request.still_enrolled and request.reason not in KEEPS_ENROLMENT:
        raise NotYetStopped("个人账户一次性支取限已办理停保（终止参保）的人员，请先办理职工医保停保")
    if request.reason is R.death:
        if not request.heir_name:
            raise HeirRequired("参保人死亡的，由继承人（代表人）代表全部继承人办理，款项汇入其名下银行账户")
        if request.payee_account_name != request.heir_name:
            raise PayeeNotEntitled("因死亡支取的，款项只汇入继承人（代表人）本人名下的银行账户")
    elif request.payee_account_name != request.insured_name:
        raise PayeeNotEntitled("个人账户余额只拨付至参保人本人的银行账户")


def withdrawal_amount(balance: Decimal, requested: Decimal | None) -> Decimal:
    """一次性支取 pays the whole balance unless a smaller amount is asked for; never more than the balance."""
    if balance <= 0:
        raise NothingToWithdraw("个人账户余额为 0，无可支取金额")
    amount = balance if requested is None else requested
    check_debit(balance, amount)
    return amount


# -- 家庭共济 ------------------------------------------------------------------------------------------


class Relationship(StrEnum):
    """亲属关系 of the user (使用人) to the authoriser (授权人)."""

    spouse = "spouse"  # 配偶
    parent = "parent"  # 父母
    child = "child"  # 子女
    parent_in_law = "parent_in_law"  # 岳父母、公婆
    sibling = "sibling"  # 兄弟姐妹
    grandparent = "grandparent"  # 祖父母、外祖父母
    grandchild = "grandchild"  # 孙子女、外孙子女
    other = "other"  # 其他


RELATIONSHIP_ZH = {
    Relationship.spouse: "配偶",
    Relationship.parent: "父母",
    Relationship.child: "子女",
    Relationship.parent_in_law: "岳父母/公婆",
    Relationship.sibling: "兄弟姐妹",
    Relationship.grandparent: "祖父母/外祖父母",
    Relationship.grandchild: "孙子女/外孙子女",
    Relationship.other: "其他",
}
#: 徐州 2.18: 配偶、父母、子女（统称“家庭成员”）；岳父母等非直系亲属不在适用范围
FAMILY_MEMBERS = frozenset({Relationship.spouse, Relationship.parent, Relationship.child})
#: the schemes a family member may be insured in: 职工医保 310 or 城乡居民医保 390
MEMBER_SCHEMES = frozenset({"310", "390"})


class MutualAidNotAllowed(ProblemError):
    status = 422
    code = "mutual_aid_not_allowed"
    title = "不符合家庭共济绑定条件"


@dataclass(frozen=True)
class BindingRequest:
    authoriser_certno: str
    user_certno: str
    relationship: Relationship
    authoriser_employee_insured: bool  # 主账户人: an employee (310) enrolment in force
    user_schemes: frozenset[str]  # the schemes the user is insured in (enrolments in force)
    authoriser_birth: date | None
    user_birth: date | None


def check_binding(request: BindingRequest) -> None:
    """Who may be bound (徐州 2.18): the 职工医保 holder's spouse, parents and children, themselves insured."""
    if request.authoriser_certno == request.user_certno:
        raise MutualAidNotAllowed("授权人与使用人不能是同一人")
    if request.relationship not in FAMILY_MEMBERS:
        raise MutualAidNotAllowed(
            f"家庭共济仅限主账户人的配偶、父母、子女；{RELATIONSHIP_ZH[request.relationship]}等非直系亲属不在适用范围",
            code="relationship_not_allowed",
        )
    if not request.authoriser_employee_insured:
        raise MutualAidNotAllowed("授权人（主账户人）须为正常参保的职工医保参保人", code="authoriser_not_insured")
    if not (request.user_schemes & MEMBER_SCHEMES):
        raise MutualAidNotAllowed(
            "使用人（家庭成员）须为正常参保的职工医保或城乡居民医保参保人", code="user_not_insured"
        )
    a, u = request.authoriser_birth, request.user_birth
    if a is not None and u is not None:
        if (request.relationship is Relationship.parent and u >= a) or (
            request.relationship is Relationship.child and u <= a
        ):
            raise MutualAidNotAllowed(
                "亲属关系与身份证件上的出生日期不符（亲属关系指使用人是授权人的配偶、父母或子女）",
                code="relationship_inconsistent",
            )


def birth_date(certno: str) -> date | None:
    """The birth date in an 18-digit 身份证号, or None for other documents."""
    if len(certno) != 18 or not certno[:17].isdigit():
        return None
    try:
        return date(int(certno[6:10]), int(certno[10:12]), int(certno[12:14]))
    except ValueError:
        return None
