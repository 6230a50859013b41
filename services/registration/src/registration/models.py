"""Every model of the service, imported so that the metadata is complete."""

from registration.db import Base
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.models import Employer

__all__ = ["Base", "Employer", "Enrolment", "InsuredPerson"]

# 个人账户 (personal account)
from registration.accounts.models import AccountEntry, AccountWithdrawal, FamilyMutualAid, PersonalAccount

__all__ += ["AccountEntry", "AccountWithdrawal", "FamilyMutualAid", "PersonalAccount"]
