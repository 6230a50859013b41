"""What the transfer use cases need beyond a unit of work: the region, its agency, its key, the case kit."""

from datetime import date

from medins.cases.service import CaseKit
from medins.identity import Principal, PrincipalKind, StaffRole
from medins.partners import RegionSigner
from transfer.agencies import Agency


class TransferContext:
    #: the service's case kit (set once the app, which creates it, exists)
    kit: CaseKit

    def __init__(self, *, region: str, region_name: str, agency: Agency, signer: RegionSigner) -> None:
        self.region = region
        self.region_name = region_name
        self.agency = agency
        self.signer = signer

    def today(self) -> date:
        return self.kit.today()

    @property
    def system(self) -> Principal:
        """The transfer service acting on its own (a document arrived, registration answered): it accepts,
        reviews and completes cases, and the audit trail names it."""
        roles = frozenset({str(StaffRole.intake), str(StaffRole.review)})
        return Principal(PrincipalKind.staff, "transfer-system", self.region, roles, "转移接续系统")
