"""Every model of the service, imported so that the metadata is complete."""

from maternity.db import Base
from maternity.employers.models import Employer

__all__ = ["Base", "Employer"]
