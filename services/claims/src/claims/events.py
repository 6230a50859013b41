"""Integration events the claims service publishes (versioned, additive changes keep vN).

None yet: they come with the filing, recognition and reimbursement use cases.
"""

from medins.bus.envelope import IntegrationEvent

PUBLISHED: list[type[IntegrationEvent]] = []
