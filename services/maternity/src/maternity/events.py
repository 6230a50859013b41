"""Integration events the maternity service publishes and consumes (versioned, additive changes keep vN).

A consumed event is the maternity service's own copy of the fields it reads, not an import of the
producer's model: the producer may add fields (they are ignored here) without breaking this consumer.
"""

import uuid
from datetime import datetime

from pydantic import Field

from medins.bus.envelope import IntegrationEvent


class UnitRegistered(IntegrationEvent):
    """单位参保登记 completed in registration: a new employer (参保单位) to keep in the read model."""

    event_type = "registration.unit.registered.v1"

    unit_id: uuid.UUID
    unit_code: str = Field(min_length=1, max_length=20)
    uscc: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=6, max_length=6)
    insured_products: list[str]
    registered_at: datetime


PUBLISHED: list[type[IntegrationEvent]] = []
CONSUMED: list[type[IntegrationEvent]] = [UnitRegistered]
