"""The authorization every service enforces: route audiences (undeclared = staff only), region, roles, owners."""

from types import SimpleNamespace

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from medins.authz import (
    APPLICANTS,
    AUDIENCE_KEY,
    EVERYONE,
    Audience,
    audience,
    authorize_route,
    check_audience,
    declare_audiences,
    owner_filter,
    require_owner,
)
from medins.errors import Forbidden
from medins.identity import (
    INTERNAL_HEADER,
    InternalTokenSigner,
    InternalTokenVerifier,
    Principal,
    PrincipalKind,
    generate_ed25519_keypair,
)
from medins.identity import StaffRole as R
from medins.problems import install_problem_handlers

K = PrincipalKind
INTAKE = Principal(K.staff, "s1", "431000", frozenset({"intake"}))
FINANCE = Principal(K.staff, "s2", "431000", frozenset({"finance"}))
ELSEWHERE = Principal(K.staff, "s3", "370700", frozenset({"intake", "admin"}))
PERSON = Principal(K.person, "431002199503120018", "431000")
OTHER_PERSON = Principal(K.person, "431002199807150021", "431000")
EMPLOYER = Principal(K.employer, "91431000MA4L0XXK0G", "431000")
HOSPITAL = Principal(K.institution, "H43100200001", "431000")
PARTNER = Principal(K.partner, "370700", "370700")
SERVICE = Principal(K.service, "claims", "431000")


def rule(**extra):
    return SimpleNamespace(openapi_extra=extra or None)


def codes(principal, route, region="431000"):
    try:
        check_audience(principal, Audience.of_route(route), region)
    except Forbidden as exc:
        return exc.code
    return "ok"


def test_a_route_that_declares_nothing_is_for_this_regions_staff_only():
    undeclared = rule()
    assert codes(INTAKE, undeclared) == "ok" and codes(FINANCE, undeclared) == "ok"
    assert codes(ELSEWHERE, undeclared) == "wrong_region"
    for other in (PERSON, EMPLOYER, HOSPITAL, PARTNER, SERVICE):
        assert codes(other, undeclared) == "audience_not_allowed", other.kind


def test_a_declared_audience_admits_its_kinds_and_for_staff_its_roles():
    route = rule(**audience(K.staff, K.person, staff_roles=(R.intake, R.admin)))
    assert codes(PERSON, route) == "ok"
    assert codes(INTAKE, route) == "ok"
    assert codes(FINANCE, route) == "role_required"
    assert codes(ELSEWHERE, route) == "wrong_region"
    assert codes(EMPLOYER, route) == "audience_not_allowed"
    everyone = rule(**audience(*EVERYONE))
    assert all(codes(p, everyone) == "ok" for p in (INTAKE, PERSON, EMPLOYER, HOSPITAL, PARTNER))
    assert codes(SERVICE, everyone) == "audience_not_allowed"
    assert set(APPLICANTS) == {K.person, K.employer, K.institution}


def test_the_audience_shows_in_the_openapi_extra():
    extra = audience(K.staff, K.institution, staff_roles=(R.finance,))
    assert extra == {AUDIENCE_KEY: {"kinds": ["institution", "staff"], "staff_roles": ["finance"]}}


def test_owners_see_their_own_and_staff_their_regions():
    require_owner(PERSON, K.person, PERSON.id, region="431000")
    require_owner(INTAKE, K.person, PERSON.id, region="431000")
    with pytest.raises(Forbidden) as refused:
        require_owner(OTHER_PERSON, K.person, PERSON.id, region="431000")
    assert refused.value.code == "not_owner"
    with pytest.raises(Forbidden):
        require_owner(EMPLOYER, K.person, PERSON.id, region="431000")
    with pytest.raises(Forbidden) as elsewhere:
        require_owner(ELSEWHERE, K.person, PERSON.id, region="431000")
    assert elsewhere.value.code == "wrong_region"
    assert owner_filter(HOSPITAL, K.institution) == "H43100200001"
    assert owner_filter(INTAKE, K.institution) is None
    with pytest.raises(Forbidden):
        owner_filter(PERSON, K.institution)


@pytest.fixture(scope="module")
def client():
    """A service-like app: the guard in front of every route, as create_service_app puts it."""
    private, public = generate_ed25519_keypair()
    app = FastAPI()
    install_problem_handlers(app)
    app.state.settings = SimpleNamespace(region="431000")
    app.state.principal_verifier = InternalTokenVerifier(public)
    router = APIRouter()

    @router.get("/staff-thing")
    async def staff_thing() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/mine", openapi_extra=audience(K.person, K.staff))
    async def mine() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/theirs")
    async def theirs() -> dict[str, str]:
        return {"ok": "yes"}

    declare_audiences(router.routes, {("GET", "/theirs"): audience(K.employer)}, prefix="")
    app.include_router(router, dependencies=[Depends(authorize_route)])
    signer = InternalTokenSigner(private)
    with TestClient(app) as test_client:
        test_client.sign = lambda p: {INTERNAL_HEADER: signer.sign(p)}  # type: ignore[attr-defined]
        yield test_client


def test_the_guard_runs_in_front_of_every_route(client):
    assert client.get("/staff-thing").status_code == 401
    assert client.get("/staff-thing", headers=client.sign(INTAKE)).status_code == 200
    refused = client.get("/staff-thing", headers=client.sign(PERSON))
    assert refused.status_code == 403 and refused.json()["code"] == "audience_not_allowed"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "参保人" in refused.json()["detail"]
    assert client.get("/staff-thing", headers=client.sign(ELSEWHERE)).json()["code"] == "wrong_region"
    assert client.get("/mine", headers=client.sign(PERSON)).status_code == 200
    assert client.get("/mine", headers=client.sign(EMPLOYER)).status_code == 403
    assert client.get("/theirs", headers=client.sign(EMPLOYER)).status_code == 200
    assert client.get("/theirs", headers=client.sign(INTAKE)).status_code == 403
