"""The contribution routes in process on a real PostgreSQL: the upload streams past the body limit; bad
requests are 4xx problem+json with stable codes; who may import."""

from collections.abc import AsyncIterator

import pytest

from medins.identity import Principal, PrincipalKind

from .conftest import FINANCE, REGION, Api, Db, certno, csv, row

pytestmark = pytest.mark.integration

BATCHES = "/api/v1/registration/contribution-batches"
INTAKE = Principal(PrincipalKind.staff, "s-intake", REGION, frozenset({"intake", "review"}), "受理")
CSV = {"content-type": "text/csv; charset=utf-8"}


async def pieces(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["title"]
    return body


async def test_a_file_larger_than_the_body_limit_streams_in_and_its_report_is_read_back(api: Api, db: Db):
    numbers = [certno(n) for n in range(20_000)]
    await db.persons(*numbers)
    data = csv(*(row(n) for n in numbers), row(certno(30_000)))
    assert len(data) > 1_048_576  # the limit every other route keeps
    created = await api.client.post(
        BATCHES, params={"period": "2024-03"}, content=pieces(data), headers=api.headers(**CSV)
    )
    assert created.status_code == 201, created.text
    batch = created.json()
    assert (batch["rows_total"], batch["rows_recorded"], batch["rows_rejected"]) == (20_001, 20_000, 1)
    assert batch["rejections"][0]["line"] == 20_002 and batch["rejections"][0]["code"] == "person_not_registered"
    read = await api.client.get(f"{BATCHES}/{batch['id']}", headers=api.headers())
    assert read.status_code == 200 and read.json() == batch
    listed = await api.client.get(BATCHES, params={"period": "2024-03"}, headers=api.headers())
    assert [b["id"] for b in listed.json()] == [batch["id"]]

    again = await api.client.post(BATCHES, params={"period": "2024-03"}, content=data, headers=api.headers(**CSV))
    assert assert_problem(again, 409, "contribution_batch_duplicate")["batch_id"] == batch["id"]

    periods = await api.client.get(
        f"/api/v1/registration/persons/{numbers[0]}/insured-periods",
        params={"as_of": "2024-03-31"},
        headers=api.headers(),
    )
    assert periods.status_code == 200, periods.text
    (employee,) = periods.json()["insurances"]
    assert [(p["start"], p["end"], p["months"], p["source"]) for p in employee["periods"]] == [
        ("2024-03", "2024-03", 1, "local")
    ]
    assert employee["insured_in_month"] is True


async def test_a_json_body_elsewhere_keeps_the_ordinary_limit(api: Api):
    response = await api.client.get(
        f"{BATCHES}/00000000-0000-0000-0000-000000000000",
        headers=api.headers(),
    )
    assert_problem(response, 404, "contribution_batch_not_found")
    big = await api.client.post(
        "/api/v1/registration/unit-registrations",
        content=b"x" * 1_100_000,
        headers=api.headers(**{"content-type": "application/json"}),
    )
    assert_problem(big, 413, "payload_too_large")


async def test_bad_requests_get_4xx_problems_with_stable_codes(api: Api, db: Db):
    await db.persons(certno(1))
    good = csv(row(certno(1)))

    async def upload(content: bytes = good, period: str | None = "2024-03", principal=None, **headers: str):
        params = {"period": period} if period else {}
        if "source" in headers:
            params["source"] = headers.pop("source")
        headers = CSV | headers
        return await api.client.post(
            BATCHES, params=params, content=content, headers=api.headers(principal or FINANCE, **headers)
        )

    async def periods(number: str, **params: str):
        url = f"/api/v1/registration/persons/{number}/insured-periods"
        return await api.client.get(url, params=params, headers=api.headers())

    cases = [
        (await upload(principal=INTAKE), 403, "role_required"),
        (await upload(**{"content-type": "application/json"}), 415, "unsupported_media_type"),
        (await upload(period="2024-3"), 422, "period_invalid"),
        (await upload(period="2999-01"), 422, "period_invalid"),
        (await upload(period=None), 422, "validation_error"),
        (await upload(source="bank"), 422, "validation_error"),
        (await upload(**{"content-type": "text/csv; charset=latin-1"}), 415, "unsupported_charset"),
        (await upload("身份证号\n".encode("gbk")), 422, "contribution_file_encoding"),
        (await upload(b"a,b\n1,2\n"), 422, "contribution_file_header_invalid"),
        (await upload(b""), 422, "contribution_file_empty"),
        (await api.client.get(f"{BATCHES}/not-a-uuid", headers=api.headers()), 422, "validation_error"),
        (await periods("431002198005010010"), 422, "validation_error"),
        (await periods(certno(77)), 404, "person_not_found"),
        (await periods(certno(1), insutype="999"), 422, "validation_error"),
    ]
    for response, status, code in cases:
        body = assert_problem(response, status, code)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"] + body.get("detail", "")), body
    assert (await db.counts())["contribution_batch"] == 0
    header = "身份证号,险种类型,费款所属期,缴费基数,单位缴费,个人缴费\n"
    gbk_file = (header + f"{certno(1)},310,202403,5000,400,100\n").encode("gbk")
    gbk = await upload(gbk_file, **{"content-type": "text/csv; charset=GBK"})
    assert gbk.status_code == 201 and gbk.json()["rows_recorded"] == 1, gbk.text
