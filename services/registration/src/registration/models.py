"""Every model of the service, imported so that the metadata is complete."""

from registration.db import Base
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.models import Employer

__all__ = ["Base", "Employer", "Enrolment", "InsuredPerson"]
