"""Every model of the service, imported so that the metadata is complete."""

from registration.db import Base
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.models import Employer

__all__ = ["Base", "Employer", "Enrolment", "InsuredPerson"]

# 个人账户 (personal account)
from registration.accounts.models import AccountEntry, AccountWithdrawal, FamilyMutualAid, PersonalAccount

__all__ += ["AccountEntry", "AccountWithdrawal", "FamilyMutualAid", "PersonalAccount"]

# 单位、职工、居民的参保异动 (units, employees, residents: lifecycle)
from registration.backpay.models import ArrearsBackpay, BackpaidMonth, GapBackpay  # noqa: E402
from registration.employees.models import Retirement  # noqa: E402
from registration.persons.models import EnrolmentChange  # noqa: E402
from registration.units.models import UnitChange, UnitLink  # noqa: E402

__all__ += ["ArrearsBackpay", "BackpaidMonth", "EnrolmentChange", "GapBackpay", "Retirement", "UnitChange", "UnitLink"]

# 缴费记录 (contribution months and their import batches)
from registration.contributions.models import ContributionBatch, ContributionRecord, ContributionRejection  # noqa: E402

__all__ += ["ContributionBatch", "ContributionRecord", "ContributionRejection"]
