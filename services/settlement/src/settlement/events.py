"""Integration events the settlement service publishes (versioned, additive changes keep vN).

None yet: they come with the declaration, reconciliation and disbursement use cases.
"""

from medins.bus.envelope import IntegrationEvent

PUBLISHED: list[type[IntegrationEvent]] = []
