"""Every model of the service, imported so that the metadata is complete."""

from transfer.db import Base
from transfer.partner.models import PartnerMessage, PartnerRegion, ReceivedDocument
from transfer.persons.models import AccountView, EnrolmentView
from transfer.transfers.models import DocumentSequence, IssuedCertificate, Transfer

__all__ = [
    "AccountView",
    "Base",
    "DocumentSequence",
    "EnrolmentView",
    "IssuedCertificate",
    "PartnerMessage",
    "PartnerRegion",
    "ReceivedDocument",
    "Transfer",
]
