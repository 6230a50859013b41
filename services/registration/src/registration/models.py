"""Every model of the service, imported so that the metadata is complete."""

from registration.db import Base
from registration.units.models import Employer

__all__ = ["Base", "Employer"]
