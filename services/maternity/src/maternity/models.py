"""Every model of the service, imported so that the metadata is complete."""

from maternity.coverage.models import CoveragePerson, CoverageStatusChange, CoveredMonth
from maternity.db import Base
from maternity.employers.models import Employer

__all__ = ["Base", "CoveragePerson", "CoverageStatusChange", "CoveredMonth", "Employer"]
