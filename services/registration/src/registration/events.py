"""Integration events the registration service publishes (versioned, additive changes keep vN)."""

import uuid
from datetime import datetime

from medins.bus.envelope import IntegrationEvent


class UnitRegistered(IntegrationEvent):
    """单位参保登记 completed: a new employer (参保单位) is registered."""

    event_type = "registration.unit.registered.v1"

    unit_id: uuid.UUID
    unit_code: str
    uscc: str
    name: str
    region: str
    insured_products: list[str]
    registered_at: datetime


PUBLISHED = [UnitRegistered]
