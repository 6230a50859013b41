"""Requests and documents between regions, signed with the calling region's key."""

import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from medins.errors import Unauthenticated
from medins.identity import generate_ed25519_keypair
from medins.partners import (
    PARTNER_TOKEN_TYPE,
    PartnerClient,
    RegionSigner,
    body_hash,
    keys_of_jwks,
    public_jwk,
    verify_document,
    verify_partner_request,
)

PATH = "/api/v1/transfer/partner/letters"


@pytest.fixture(scope="module")
def weifang():
    private, public = generate_ed25519_keypair()
    return RegionSigner("370700", private), keys_of_jwks({"keys": [public_jwk(public)]}), private


def verify(token, keys, *, method="POST", path=PATH, body=b'{"a":1}', audience="431000"):
    return verify_partner_request(
        token, keys=keys, issuer="370700", audience=audience, method=method, path=path, body=body
    )


def code(call):
    with pytest.raises(Unauthenticated) as refused:
        call()
    return refused.value.code


def test_a_signed_request_verifies_with_the_registered_key(weifang):
    signer, keys, _ = weifang
    token = signer.sign_request(audience="431000", method="post", path=PATH, body=b'{"a":1}')
    verified = verify(token, keys)
    assert verified.region == "370700" and len(verified.jti) == 32
    assert jwt.get_unverified_header(token)["typ"] == PARTNER_TOKEN_TYPE


def test_the_signature_is_bound_to_the_method_path_body_and_receiver(weifang):
    signer, keys, _ = weifang
    token = signer.sign_request(audience="431000", method="POST", path=PATH, body=b'{"a":1}')
    assert code(lambda: verify(token, keys, body=b'{"a":2}')) == "partner_request_mismatch"
    assert code(lambda: verify(token, keys, path=PATH + "?x=1")) == "partner_request_mismatch"
    assert code(lambda: verify(token, keys, method="PUT")) == "partner_request_mismatch"
    assert code(lambda: verify(token, keys, audience="320300")) == "wrong_audience"


def test_another_key_an_expired_or_too_long_signature_is_refused(weifang):
    signer, keys, private = weifang
    other, _ = generate_ed25519_keypair()
    forged = RegionSigner("370700", other).sign_request(audience="431000", method="POST", path=PATH, body=b'{"a":1}')
    assert code(lambda: verify(forged, keys)) == "unknown_signing_key"
    key = serialization.load_pem_private_key(private, password=None)
    now = int(time.time())
    claims = {"iss": "370700", "aud": "431000", "jti": "x", "htm": "POST", "htu": PATH, "bh": body_hash(b'{"a":1}')}
    headers = {"kid": signer.kid, "typ": PARTNER_TOKEN_TYPE}
    expired = jwt.encode(claims | {"iat": now - 900, "exp": now - 600}, key, algorithm="EdDSA", headers=headers)
    assert code(lambda: verify(expired, keys)) == "token_expired"
    too_long = jwt.encode(claims | {"iat": now, "exp": now + 3600}, key, algorithm="EdDSA", headers=headers)
    assert code(lambda: verify(too_long, keys)) == "invalid_partner_signature"
    not_partner = jwt.encode(claims | {"iat": now, "exp": now + 60}, key, algorithm="EdDSA", headers={"kid": "k"})
    assert code(lambda: verify(not_partner, keys)) == "invalid_partner_signature"
    assert code(lambda: verify("garbage", keys)) == "invalid_partner_signature"


def test_documents_are_signed_by_their_region(weifang):
    signer, keys, _ = weifang
    letter = {"letter_no": "37070020260000001", "name": "张三"}
    assert verify_document(signer.sign_document(letter), keys=keys, issuer="370700") == letter
    with pytest.raises(Unauthenticated):
        verify_document(signer.sign_document(letter), keys=keys, issuer="431000")


async def test_the_client_signs_exactly_what_it_sends(weifang):
    signer, keys, _ = weifang
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        path = request.url.raw_path.decode()
        seen["verified"] = verify(token, keys, method=request.method, path=path, body=request.content)
        return httpx.Response(200, json={"ok": True})

    client = PartnerClient(signer, transport=httpx.MockTransport(handler))
    try:
        response = await client.request(
            "POST", partner="431000", base_url="http://431000.example/", path=PATH + "?v=1", json_body={"姓名": "张三"}
        )
    finally:
        await client.aclose()
    assert response.status_code == 200 and seen["verified"].region == "370700"
