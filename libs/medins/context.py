"""Per-request context: the request id doubles as the correlation id of the events it causes.

The trace id follows W3C Trace Context: taken from an incoming ``traceparent`` header, or started here.
"""

import re
import secrets
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
trace_id_var: ContextVar[str | None] = ContextVar("trace_id", default=None)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def current_correlation_id() -> str:
    return request_id_var.get() or str(uuid.uuid4())


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a valid ``traceparent`` header, else None."""
    match = _TRACEPARENT.match((traceparent or "").strip())
    if match is None or match.group(1) == "0" * 32 or match.group(2) == "0" * 16:
        return None
    return match.group(1)


def new_traceparent(trace_id: str | None = None) -> str:
    """A ``traceparent`` for the next hop: the same trace (or a new one) with a new span id."""
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
