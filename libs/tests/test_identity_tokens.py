import time

import jwt
import pytest

from medins.errors import Forbidden, Unauthenticated
from medins.identity import (
    InternalTokenSigner,
    InternalTokenVerifier,
    Principal,
    PrincipalKind,
    StaffRole,
    generate_ed25519_keypair,
    require_staff,
)

STAFF = Principal(PrincipalKind.staff, "alice", "431000", frozenset({"intake"}), "爱丽丝")


@pytest.fixture(scope="module")
def keys():
    return generate_ed25519_keypair()


def test_a_token_signed_by_the_gateway_gives_back_the_same_principal(keys):
    private, public = keys
    token = InternalTokenSigner(private).sign(STAFF)
    assert InternalTokenVerifier(public).verify(token) == STAFF


def test_a_token_signed_by_another_key_is_refused(keys):
    other_private, _ = generate_ed25519_keypair()
    token = InternalTokenSigner(other_private).sign(STAFF)
    with pytest.raises(Unauthenticated):
        InternalTokenVerifier(keys[1]).verify(token)


def test_an_expired_or_tampered_or_unsigned_token_is_refused(keys):
    private, public = keys
    verifier = InternalTokenVerifier(public)
    expired = InternalTokenSigner(private, ttl_seconds=-5).sign(STAFF)
    with pytest.raises(Unauthenticated):
        verifier.verify(expired)
    token = InternalTokenSigner(private).sign(STAFF)
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"intake"', b'"admin!"')
    ).decode()
    with pytest.raises(Unauthenticated):
        verifier.verify(f"{header}.{forged_payload}.{signature}")
    unsigned = jwt.encode(
        STAFF.claims()
        | {
            "iss": "medins-gateway",
            "aud": "medins-internal",
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
        },
        key=None,
        algorithm="none",
    )
    with pytest.raises(Unauthenticated):
        verifier.verify(unsigned)


def test_staff_rules_check_kind_role_and_region():
    require_staff(STAFF, StaffRole.intake, region="431000")
    with pytest.raises(Forbidden) as role:
        require_staff(STAFF, StaffRole.finance)
    assert role.value.code == "role_required" and "财务" in (role.value.detail or "")
    with pytest.raises(Forbidden) as region:
        require_staff(STAFF, region="370700")
    assert region.value.code == "wrong_region"
    person = Principal(PrincipalKind.person, "p1", "431000")
    with pytest.raises(Forbidden):
        require_staff(person)
