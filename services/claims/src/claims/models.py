"""Every model of the service, imported so that the metadata is complete."""

from claims.db import Base
from claims.offsite_care.models import OffsiteCareFiling

__all__ = ["Base", "OffsiteCareFiling"]
