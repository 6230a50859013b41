"""Consumers of other services' events: registration's persons and accounts (read model), and its answers
in the transfer saga."""

from medins.bus.consumer import Handler
from medins.service_app import ConsumerSpec
from transfer.context import TransferContext
from transfer.persons.handlers import HANDLERS as PERSON_HANDLERS
from transfer.transfers.delivery import saga_handlers


def consumers(ctx: TransferContext) -> list[ConsumerSpec]:
    persons: dict[str, Handler] = dict(PERSON_HANDLERS)
    return [
        ConsumerSpec(purpose="persons", handlers=persons),
        ConsumerSpec(purpose="saga", handlers=saga_handlers(ctx)),
    ]
