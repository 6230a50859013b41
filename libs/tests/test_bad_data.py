"""Input the database cannot store is the client's mistake (422), and an amount beyond NUMERIC(14, 2) too."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DBAPIError

from medins.money import to_money
from medins.problems import install_problem_handlers


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fail/{sqlstate}")
    async def fail(sqlstate: str) -> None:
        raise DBAPIError("INSERT …", {}, FakeDriverError(sqlstate))

    return TestClient(app, raise_server_exceptions=False)


def test_a_data_exception_of_the_database_is_a_422_problem():
    nul = client().get("/fail/22021")  # invalid byte sequence: a NUL character in a string
    assert nul.status_code == 422 and nul.json()["code"] == "invalid_data"
    assert nul.headers["content-type"] == "application/problem+json" and nul.json()["title"] == "数据不符合要求"
    assert client().get("/fail/22001").status_code == 422  # string too long for its column
    broken = client().get("/fail/42P01")  # undefined table: our fault, not the client's
    assert broken.status_code == 500 and broken.json()["code"] == "internal_error"


def test_an_amount_beyond_twelve_digits_is_refused_not_crashed():
    assert str(to_money("999999999999.99")) == "999999999999.99"
    for value in ("1000000000000", "-1e30", 1e300, "1E+400"):
        with pytest.raises(ValueError):
            to_money(value)
