"""Integration events the transfer service publishes (versioned, additive changes keep vN).

None yet: ``transfer.inbound.completed.v1`` and its kin come with the transfer use cases.
"""

from medins.bus.envelope import IntegrationEvent

PUBLISHED: list[type[IntegrationEvent]] = []
