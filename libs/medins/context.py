"""Per-request context: the request id doubles as the correlation id of the events it causes."""

import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_correlation_id() -> str:
    return request_id_var.get() or str(uuid.uuid4())
