"""This region's signing key and the partner regions the transfer service deals with.

The gateway keeps its own registry of partners to authenticate their requests. The transfer service keeps
this directory in its own database: where to send documents (the partner's gateway) and the public keys
its documents must verify with. An administrator enters both (``PUT /api/v1/transfer/partners/{admdvs}``).
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cli import ensure_keypair
from medins.errors import ProblemError
from medins.partners import RegionSigner, keys_of_jwks, public_jwk
from transfer.partner.models import PartnerRegion


class UnknownPartnerRegion(ProblemError):
    status = 422
    code = "unknown_partner_region"
    title = "对方统筹区未登记为伙伴地区"


class SameRegion(ProblemError):
    status = 422
    code = "same_region"
    title = "转出地与转入地不能是同一统筹区"


def public_key_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.replace("private", "public"))


def load_signer(region: str, private_path: Path) -> RegionSigner:
    """The region's key; a development deployment without one gets a new pair on first start."""
    ensure_keypair(private_path, public_key_path(private_path))
    return RegionSigner(region, private_path.read_bytes())


def own_keys(private_path: Path) -> tuple[str, dict[str, Any]]:
    """(public key PEM, JWKS) of this region, to hand to partner regions."""
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode(), {"keys": [public_jwk(pem)]}


async def get_partner(session: AsyncSession, admdvs: str) -> PartnerRegion:
    """An active partner, or 422 ``unknown_partner_region``."""
    partner = await session.get(PartnerRegion, admdvs)
    if partner is None or not partner.active:
        raise UnknownPartnerRegion(f"医保区划 {admdvs} 未登记为本统筹区的转移接续伙伴地区")
    return partner


def verification_keys(partner: PartnerRegion) -> dict[str, Any]:
    return keys_of_jwks(partner.jwks)


async def upsert_partner(
    session: AsyncSession, *, admdvs: str, name: str, base_url: str, jwks: dict[str, Any], active: bool = True
) -> PartnerRegion:
    keys_of_jwks(jwks)  # a malformed JWKS fails here, before it is stored
    values = {"name": name, "base_url": base_url.rstrip("/"), "jwks": jwks, "active": active}
    values["updated_at"] = datetime.now(UTC)
    statement = insert(PartnerRegion).values(admdvs=admdvs, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["admdvs"], set_=values))
    partner = await session.scalar(
        select(PartnerRegion).where(PartnerRegion.admdvs == admdvs).execution_options(populate_existing=True)
    )
    assert partner is not None
    return partner


async def list_partners(session: AsyncSession) -> list[PartnerRegion]:
    return list((await session.scalars(select(PartnerRegion).order_by(PartnerRegion.admdvs))).all())
