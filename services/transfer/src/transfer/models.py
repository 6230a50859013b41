"""Every model of the service, imported so that the metadata is complete."""

from transfer.db import Base
from transfer.transfers.models import Transfer

__all__ = ["Base", "Transfer"]
