"""Every model of the service, imported so that the metadata is complete."""

from institutions.db import Base
from institutions.directory.models import DesignatedInstitution

__all__ = ["Base", "DesignatedInstitution"]
