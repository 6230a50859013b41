"""The gateway's token checks: e-credentials against the issuer's JWKS (a file here), outside staff tokens,
its own tokens; expired, forged, wrong-issuer and wrong-audience tokens refused with their own codes."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request

from gateway.accounts import AccountCache
from gateway.authn import Authenticator
from gateway.config import Settings
from gateway.tokens import TokenIssuer
from medins.errors import Unauthenticated
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from medins.partners import public_jwk

CERTNO = "431002199503120018"


@pytest.fixture(scope="module")
def issuer_key(tmp_path_factory):
    private, public = generate_ed25519_keypair()
    jwk = public_jwk(public)
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return serialization.load_pem_private_key(private, password=None), jwk["kid"], str(path)


@pytest.fixture
def auth(issuer_key):
    _, _, jwks_file = issuer_key
    private, _ = generate_ed25519_keypair()
    settings = Settings(staff_jwks=jwks_file, ecredential_jwks=jwks_file)
    accounts = AccountCache(sessionmaker=None, seconds=30)  # type: ignore[arg-type]  (persons need no account)
    issuer = TokenIssuer(private, issuer=settings.token_issuer, audience=settings.token_audience)
    authenticator = Authenticator(settings, accounts, issuer)
    authenticator.private_pem = private  # type: ignore[attr-defined]
    return authenticator


def ecredential(issuer_key, **changes):
    key, kid, _ = issuer_key
    now = int(time.time())
    claims = {
        "iss": "medins-dev-ecredential",
        "aud": "medins-gateway",
        "sub": "opaque-holder-id",
        "iat": now,
        "exp": now + 600,
        "certno": CERTNO,
        "psn_name": "张医保",
        "insuplc_admdvs": "431000",
    }
    claims = {k: v for k, v in (claims | changes).items() if v is not None}
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def request_with(token: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [(b"authorization", f"Bearer {token}".encode())]}
    )


async def refused(auth, token) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await auth.authenticate(request_with(token))
    return caught.value.code


async def test_an_e_credential_maps_to_the_person_by_certno_name_and_insured_region(auth, issuer_key):
    caller = await auth.authenticate(request_with(ecredential(issuer_key)))
    person = caller.principal
    assert (person.kind, person.id, person.name, person.region) == (PrincipalKind.person, CERTNO, "张医保", "431000")
    assert caller.rate_per_minute == Settings().rate_limit_person_per_minute


async def test_expired_forged_wrong_issuer_and_wrong_audience_are_refused(auth, issuer_key):
    now = int(time.time())
    assert await refused(auth, ecredential(issuer_key, iat=now - 7200, exp=now - 3600)) == "token_expired"
    assert await refused(auth, ecredential(issuer_key, aud="another-platform")) == "wrong_audience"
    assert await refused(auth, ecredential(issuer_key, iss="someone-else")) == "wrong_issuer"
    good = ecredential(issuer_key)
    head, payload, signature = good.split(".")
    assert await refused(auth, f"{head}.{payload}.{signature[:-6]}AAAAAA") == "invalid_token"
    tampered = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}) | {"certno": "431002199807150021"},
        "x" * 32,
        algorithm="HS256",
    )
    assert await refused(auth, tampered) == "unknown_signing_key"
    other, _ = generate_ed25519_keypair()
    other_key = serialization.load_pem_private_key(other, password=None)
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, other_key, algorithm="EdDSA", headers={"kid": issuer_key[1]})
    assert await refused(auth, forged) == "invalid_token"
    assert await refused(auth, "not-a-jwt") == "invalid_token"


async def test_an_e_credential_without_a_valid_certno_name_or_region_is_refused(auth, issuer_key):
    assert await refused(auth, ecredential(issuer_key, certno="431002199503120019")) == "invalid_token"
    assert await refused(auth, ecredential(issuer_key, psn_name=None)) == "invalid_token"
    assert await refused(auth, ecredential(issuer_key, insuplc_admdvs="4310")) == "invalid_token"
    assert await refused(auth, ecredential(issuer_key, exp=None)) == "invalid_token"


async def test_a_missing_or_malformed_authorization_header(auth):
    no_header = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(Unauthenticated) as missing:
        await auth.authenticate(no_header)
    assert missing.value.code == "missing_token"
    basic = Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"authorization", b"Basic abc")]})
    with pytest.raises(Unauthenticated):
        await auth.authenticate(basic)


async def test_the_gateways_own_tokens_are_refused_after_expiry_or_for_another_audience(auth):
    expired = auth.issuer.issue("staff", "alice", ttl_seconds=-10)
    assert await refused(auth, expired) == "token_expired"
    private, _ = generate_ed25519_keypair()
    stranger = TokenIssuer(private, issuer=auth.settings.token_issuer, audience=auth.settings.token_audience)
    assert await refused(auth, stranger.issue("staff", "alice", 60)) == "invalid_token"
    # signed with the gateway's own key, but for the services (internal) or for another audience
    internal = InternalTokenSigner(auth.private_pem).sign(Principal(PrincipalKind.staff, "alice", "431000"))
    assert await refused(auth, internal) == "wrong_issuer"
    other_audience = TokenIssuer(auth.private_pem, issuer=auth.settings.token_issuer, audience="medins-internal")
    assert await refused(auth, other_audience.issue("staff", "alice", 60)) == "wrong_audience"
