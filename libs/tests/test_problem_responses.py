"""The error contract, on a minimal app built by the same handlers every service installs."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from medins.errors import Conflict
from medins.ids import USCC
from medins.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from medins.problems import install_problem_handlers


class Body(BaseModel):
    uscc: USCC
    count: int


def make_client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=200)
    app.add_middleware(RequestContextMiddleware, registry=CollectorRegistry(), service="t")

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        if body.count == 2:
            raise Conflict("已存在", code="thing_exists")
        if body.count == 3:
            raise RuntimeError("boom")
        return {"uscc": body.uscc}

    return TestClient(app, raise_server_exceptions=False)


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"]), body["title"]
    return body


def test_malformed_json_is_a_400_problem():
    assert_problem(
        make_client().post("/things", content=b'{"uscc": ', headers={"content-type": "application/json"}),
        400,
        "malformed_json",
    )


def test_wrong_types_missing_fields_and_bad_codes_list_every_field():
    body = assert_problem(make_client().post("/things", json={"uscc": "123", "count": "x"}), 422, "validation_error")
    fields = {tuple(e["loc"]) for e in body["errors"]}
    assert fields == {("body", "uscc"), ("body", "count")}
    body = assert_problem(make_client().post("/things", json={}), 422, "validation_error")
    assert "uscc" in body["detail"] and "count" in body["detail"]


def test_domain_errors_keep_their_code_and_unknown_routes_are_404():
    assert_problem(make_client().post("/things", json={"uscc": "91110000600037341L", "count": 2}), 409, "thing_exists")
    assert_problem(make_client().get("/nowhere"), 404, "not_found")
    assert_problem(make_client().put("/things"), 405, "method_not_allowed")


def test_oversized_bodies_are_refused_with_413_before_the_handler():
    assert_problem(
        make_client().post("/things", content=b"x" * 500, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )


def test_an_unexpected_error_is_a_500_problem_without_a_stack_trace_and_the_request_id_is_echoed():
    response = make_client().post(
        "/things", json={"uscc": "91110000600037341L", "count": 3}, headers={"x-request-id": "req-123"}
    )
    body = assert_problem(response, 500, "internal_error")
    assert "Traceback" not in response.text and "boom" not in response.text
    assert response.headers["x-request-id"] == "req-123"
    assert body["title"] == "系统内部错误"
