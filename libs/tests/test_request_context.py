"""Request id and W3C trace context through a service, and the access log without full ID numbers."""

import json
import logging

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from medins.context import new_traceparent, trace_id_of, trace_id_var
from medins.logging import JsonFormatter
from medins.middleware import RequestContextMiddleware

CERTNO = "431002199503120018"


def make_client() -> TestClient:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware, registry=CollectorRegistry(), service="t")

    @app.get("/echo/{anything}")
    async def echo(anything: str, request: Request) -> dict[str, str | None]:
        return {"traceparent": request.headers.get("traceparent"), "trace_id": trace_id_var.get()}

    return TestClient(app)


def test_an_incoming_trace_is_continued_and_a_missing_one_started():
    client = make_client()
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    body = client.get("/echo/x", headers={"traceparent": incoming, "x-request-id": "rid-1"})
    assert body.headers["x-request-id"] == "rid-1"
    assert body.json()["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    started = client.get("/echo/x").json()
    assert trace_id_of(started["traceparent"]) == started["trace_id"] and len(started["trace_id"]) == 32
    assert client.get("/echo/x", headers={"traceparent": "00-zz-1-01"}).json()["trace_id"] != "zz"


def test_the_next_hop_keeps_the_trace_with_a_new_span():
    parent = new_traceparent("0af7651916cd43dd8448eb211c80319c")
    assert trace_id_of(parent) == "0af7651916cd43dd8448eb211c80319c"
    assert new_traceparent("0af7651916cd43dd8448eb211c80319c") != parent
    assert trace_id_of("00-" + "0" * 32 + "-b7ad6b7169203331-01") is None


def test_the_access_log_masks_id_numbers_in_the_path_and_the_principal():
    record = logging.LogRecord("medins.access", logging.INFO, __file__, 1, "GET %s", (f"/persons/{CERTNO}",), None)
    record.path = f"/api/v1/registration/persons/{CERTNO}"
    record.principal = f"person:{CERTNO}"
    line = JsonFormatter("t").format(record)
    assert CERTNO not in line
    entry = json.loads(line)
    assert entry["path"].endswith("431002********0018") and entry["principal"] == "person:431002********0018"
