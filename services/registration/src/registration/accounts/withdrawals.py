"""个人账户一次性支取 as a case: checked when applied for, paid (debit + payment instruction) when it completes."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.cases.domain import OPEN
from medins.cases.service import Applicant
from medins.cases.tables import case_record, case_transition
from medins.db import UnitOfWork
from medins.errors import Conflict, ProblemError
from medins.ids import mask_certno
from registration.accounts.domain import (
    WITHDRAWAL_REASON_ZH,
    EntryReason,
    WithdrawalReason,
    WithdrawalRequest,
    check_withdrawal,
    reason_situations,
    withdrawal_amount,
)
from registration.accounts.models import AccountWithdrawal, PersonalAccount
from registration.accounts.schemas import WithdrawalForm
from registration.accounts.service import debit, employee_enrolment_status, get_person, lock_account

ITEM_KEY = "account_withdrawal"
RECEIPT_FIELDS = "receipt_fields"


class WithdrawalInProgress(Conflict):
    code = "withdrawal_in_progress"
    title = "已有正在办理的一次性支取"


class PaymentRequired(ProblemError):
    status = 409
    code = "payment_required"
    title = "一次性支取须经财务拨付"


class NameMismatch(ProblemError):
    status = 422
    code = "name_mismatch"
    title = "姓名与参保登记信息不符"


@dataclass(frozen=True)
class PreparedWithdrawal:
    applicant: Applicant
    situations: list[str]
    form: dict[str, Any]  # the case's form: the application and what its receipt (B.6) shows


async def _check(uow: UnitOfWork, form: WithdrawalForm, *, region: str) -> tuple[PersonalAccount, Any]:
    """Every rule, against the account locked for the rest of the transaction."""
    account = await lock_account(uow.session, form.certno)
    person = await get_person(uow.session, form.certno)
    if person.name != form.name:
        raise NameMismatch(f"参保人姓名「{form.name}」与登记的姓名不一致")
    status = await employee_enrolment_status(uow.session, person.id)
    check_withdrawal(
        WithdrawalRequest(
            region=region,
            reason=form.reason,
            reason_note=form.reason_note,
            insured_name=person.name,
            heir_name=form.heir.name if form.heir else None,
            payee_account_name=form.bank.account_name,
            still_enrolled=status == "enrolled",
        )
    )
    withdrawal_amount(account.balance, form.amount)
    return account, person


async def prepare_withdrawal(
    uow: UnitOfWork, form: WithdrawalForm, *, known_situations: set[str]
) -> PreparedWithdrawal:
    """At application: the rules hold now, and no other withdrawal of this account is open."""
    account, _ = await _check(uow, form, region=uow.region)
    open_case = await uow.session.scalar(
        select(case_record.c.case_no).where(
            case_record.c.item_key == ITEM_KEY,
            case_record.c.status.in_([str(s) for s in OPEN]),
            case_record.c.form["certno"].as_string() == form.certno,
        )
    )
    if open_case is not None:  # the account row lock makes this check and the new case one step
        raise WithdrawalInProgress(f"该参保人已有正在办理的一次性支取（办件 {open_case}），不能重复申请")
    if form.reason is WithdrawalReason.death:
        assert form.heir is not None
        applicant = Applicant("person", form.heir.certno, form.heir.name)
    else:
        applicant = Applicant("person", form.certno, form.name)
    helper = form.agent or form.heir
    receipt = {
        "account_balance": f"{account.balance:.2f}",
        "proxy_name": helper.name if helper else None,
        "proxy_certno": helper.certno if helper else None,
        "phone": form.phone or (form.heir.phone if form.heir else None),
    }
    return PreparedWithdrawal(
        applicant=applicant,
        situations=reason_situations(form.reason, known_situations),
        form=form.model_dump(mode="json") | {RECEIPT_FIELDS: {k: v for k, v in receipt.items() if v}},
    )


async def _paid_by_finance(uow: UnitOfWork, case: RowMapping) -> bool:
    """Whether this completion is the 拨付 action (its transition is recorded before the handler runs)."""
    last = await uow.session.scalar(
        select(case_transition.c.action)
        .where(case_transition.c.case_id == case["id"])
        .order_by(case_transition.c.id.desc())
        .limit(1)
    )
    return last == "pay"


def _form_of(case: RowMapping) -> WithdrawalForm:
    return WithdrawalForm.model_validate({k: v for k, v in case["form"].items() if k != RECEIPT_FIELDS})


async def complete_withdrawal(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """Runs when the case completes (拨付): the rules again on today's balance, the debit and the payment
    instruction, in the case's transaction. A refusal (422) rolls the completion back: nothing changes."""
    if case["limit_unit"] != "immediate" and not await _paid_by_finance(uow, case):
        # the kit lets 审核/受理 complete an accepted case; money leaves only through 拨付 (or 即时办结 at a window)
        raise PaymentRequired("该办件须经审核后由财务执行「拨付」，不能直接办结")
    form = _form_of(case)
    account, _ = await _check(uow, form, region=case["region"])
    amount = withdrawal_amount(account.balance, form.amount)
    posting = await debit(
        uow,
        certno=form.certno,
        amount=amount,
        reason=EntryReason.withdrawal,
        reference=case["case_no"],
        actor=case["submitted_by"],
        note=f"一次性支取：{WITHDRAWAL_REASON_ZH[form.reason]}",
    )
    payee_certno = form.heir.certno if form.heir else form.certno
    uow.session.add(
        AccountWithdrawal(
            id=uuid.uuid4(),
            case_no=case["case_no"],
            account_id=account.id,
            entry_id=posting.entry.id,
            reason=str(form.reason),
            amount=amount,
            bank_name=form.bank.bank_name,
            bank_account_name=form.bank.account_name,
            bank_account_no=form.bank.account_no,
            payee_certno=payee_certno,
            heir=form.heir.model_dump(mode="json") if form.heir else None,
            payment_status="instructed",
            created_at=datetime.now(UTC),
        )
    )
    await uow.session.flush()
    return {
        "amount": f"{amount:.2f}",
        "balance_after": f"{posting.entry.balance_after:.2f}",
        "reason": str(form.reason),
        "reason_label": WITHDRAWAL_REASON_ZH[form.reason],
        "entry_no": posting.entry.entry_no,
        "payment": {
            "status": "instructed",
            "bank_name": form.bank.bank_name,
            "account_name": form.bank.account_name,
            "account_no_masked": "*" * max(len(form.bank.account_no) - 4, 0) + form.bank.account_no[-4:],
            "payee_certno_masked": mask_certno(payee_certno),
        },
    }
