"""Every model of the service, imported so that the metadata is complete."""

from settlement.db import Base
from settlement.declarations.models import MonthlyDeclaration

__all__ = ["Base", "MonthlyDeclaration"]
