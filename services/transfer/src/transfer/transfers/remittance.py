"""基金匹配: the money that arrived is the money the 信息表 says was sent, for the person the letter asked for."""

from dataclasses import dataclass, field
from decimal import Decimal

from transfer.transfers.documents import FundRemittance, InsuranceInfoTable, TransferLetter


@dataclass(frozen=True)
class RemittanceMatch:
    """The outcome of matching; ``problems`` says in Chinese what does not agree (empty when it matches)."""

    problems: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return not self.problems


def match_remittance(
    letter: TransferLetter, table: InsuranceInfoTable, remittance: FundRemittance | None
) -> RemittanceMatch:
    """The table answers the letter, and the remittance (if any money moved) agrees with both to the fen.

    A table with nothing transferred needs no remittance; one with an amount needs its remittance, paid
    into the account the letter gave.
    """
    problems = []
    if table.letter_no != letter.letter_no:
        problems.append(f"《信息表》所复联系函编号 {table.letter_no} 与本地联系函 {letter.letter_no} 不符")
    if table.certno != letter.certno:
        problems.append("《信息表》的身份证件号码与联系函不一致")
    if table.name != letter.name:
        problems.append(f"《信息表》的姓名「{table.name}」与联系函「{letter.name}」不一致")
    if table.origin_region != letter.origin_region or table.destination_region != letter.destination_region:
        problems.append("《信息表》的转出地、转入地与联系函不一致")
    amount = table.transferred_amount
    if amount < 0:
        problems.append("实际转出资金不能为负数")
    if not letter.transfer_account and amount != Decimal("0.00"):
        problems.append("联系函未要求转移个人账户，但《信息表》有转出资金")
    if remittance is None:
        if amount != Decimal("0.00"):
            problems.append(f"《信息表》实际转出资金 {amount:.2f} 元，尚未收到对应的划转资金")
        return RemittanceMatch(problems)
    if remittance.letter_no != letter.letter_no:
        problems.append(f"划转资金所附联系函编号 {remittance.letter_no} 与本地联系函 {letter.letter_no} 不符")
    if table.remittance_no != remittance.remittance_no:
        problems.append("《信息表》记载的资金划转流水号与到账资金不符")
    if remittance.certno != letter.certno:
        problems.append("划转资金的身份证件号码与联系函不一致")
    if remittance.amount != amount:
        problems.append(f"到账资金 {remittance.amount:.2f} 元与《信息表》实际转出资金 {amount:.2f} 元不符")
    account = letter.destination_agency
    if (remittance.payee_account_no, remittance.payee_bank_name) != (account.account_no, account.bank_name):
        problems.append("划转资金的收款账户不是联系函提供的转入地经办机构账户")
    return RemittanceMatch(problems)
