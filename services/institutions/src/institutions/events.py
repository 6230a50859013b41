"""Integration events the institutions service publishes (versioned, additive changes keep vN).

None yet: ``institutions.agreement.signed.v1`` and its kin come with the designation use cases.
"""

from medins.bus.envelope import IntegrationEvent

PUBLISHED: list[type[IntegrationEvent]] = []
