"""``python -m gateway.admin …``: staff accounts, the first administrator, HIS clients, partner regions.

    python -m gateway.admin create-admin <staff_id> --name 王管理 --region 431000   # asks for the password
    python -m gateway.admin add-staff <staff_id> --name 王五 --region 431000 --roles intake,review [--password-stdin]
    python -m gateway.admin set-password <staff_id>                                  # asks for it
    python -m gateway.admin unlock <staff_id>
    python -m gateway.admin add-institution H43100200001 --name 郴州市第一人民医院  # prints the secret once
    python -m gateway.admin add-partner 370700 --name 潍坊市医疗保障局 --base-url https://… --public-key-file k.pem
    python -m gateway.admin seed-demo                                                # development only

Every command takes ``--database-url`` (default: ``GATEWAY_DATABASE_URL``).
"""

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from gateway.config import Settings
from gateway.demo import DEMO_EMPLOYER, DEMO_INSTITUTION, DEMO_STAFF
from gateway.models import EmployerAccount, InstitutionClient, PartnerRegion, StaffAccount
from gateway.passwords import check_password_policy, hash_secret, new_client_secret
from medins.db import make_engine
from medins.errors import ProblemError
from medins.identity import StaffRole
from medins.partners import public_jwk


async def _upsert(database_url: str, model: type[Any], key: str, values: dict[str, Any]) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            statement = insert(model).values(**values)
            update_values = {k: v for k, v in values.items() if k != key}
            await conn.execute(statement.on_conflict_do_update(index_elements=[key], set_=update_values))
    finally:
        await engine.dispose()


async def upsert_staff(
    database_url: str, *, staff_id: str, name: str, region: str, roles: list[str], password: str | None = None
) -> None:
    values: dict[str, Any] = {"staff_id": staff_id, "name": name, "region": region, "roles": roles, "active": True}
    if password is not None:
        values |= {"password_hash": hash_secret(password), "credentials_changed_at": datetime.now(UTC)}
    await _upsert(database_url, StaffAccount, "staff_id", values)


async def upsert_institution(
    database_url: str, *, client_id: str, name: str, region: str, secret: str, rate_limit_per_minute: int | None = None
) -> None:
    await _upsert(
        database_url,
        InstitutionClient,
        "client_id",
        {
            "client_id": client_id,
            "name": name,
            "region": region,
            "secret_hash": hash_secret(secret),
            "rate_limit_per_minute": rate_limit_per_minute,
            "active": True,
            "credentials_changed_at": datetime.now(UTC),
            "created_by": "gateway.admin",
        },
    )


async def upsert_partner(
    database_url: str, *, admdvs: str, name: str, base_url: str, public_keys_pem: list[bytes]
) -> None:
    """Trust a partner region: its public keys (a JWKS made from the PEMs) and its gateway's base URL."""
    jwks = {"keys": [public_jwk(pem) for pem in public_keys_pem]}
    values = {"admdvs": admdvs, "name": name, "base_url": base_url.rstrip("/"), "jwks": jwks, "active": True}
    await _upsert(database_url, PartnerRegion, "admdvs", values)


async def upsert_employer(database_url: str, *, uscc: str, name: str, region: str, password: str) -> None:
    """A unit account (单位网厅账号); staff open them with POST /api/v1/admin/employer-accounts."""
    await _upsert(
        database_url,
        EmployerAccount,
        "uscc",
        {
            "uscc": uscc,
            "name": name,
            "region": region,
            "active": True,
            "password_hash": hash_secret(password),
            "failed_logins": 0,
            "locked_until": None,
            "credentials_changed_at": datetime.now(UTC),
            "created_by": "gateway.admin",
        },
    )


async def seed_demo(database_url: str, region: str) -> None:
    for staff_id, name, roles, password in DEMO_STAFF:
        await upsert_staff(database_url, staff_id=staff_id, name=name, region=region, roles=roles, password=password)
    uscc, unit_name, password = DEMO_EMPLOYER
    await upsert_employer(database_url, uscc=uscc, name=unit_name, region=region, password=password)
    code, hospital, secret = DEMO_INSTITUTION
    await upsert_institution(database_url, client_id=code, name=hospital, region=region, secret=secret)


async def unlock(database_url: str, staff_id: str) -> bool:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(
                update(StaffAccount).where(StaffAccount.staff_id == staff_id).values(failed_logins=0, locked_until=None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def read_password(from_stdin: bool) -> str:
    """From standard input (one line) or asked twice on the terminal; checked against the policy."""
    if from_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("密码: ")
        if getpass.getpass("再次输入: ") != password:
            raise SystemExit("两次输入的密码不一致")
    try:
        check_password_policy(password)
    except ProblemError as exc:
        raise SystemExit(exc.detail or exc.title) from exc
    return password


def _roles(text: str) -> list[str]:
    roles = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in roles if r not in {x.value for x in StaffRole}]
    if unknown or not roles:
        raise SystemExit(f"unknown roles: {unknown}; use {', '.join(r.value for r in StaffRole)}")
    return roles


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("create-admin", help="create (or reset) an administrator with a password")
    first.add_argument("staff_id")
    first.add_argument("--name", required=True)
    first.add_argument("--region", default=None)
    first.add_argument("--password-stdin", action="store_true")
    add = sub.add_parser("add-staff", help="create or update a staff account")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True)
    add.add_argument("--region", required=True)
    add.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(r.value for r in StaffRole)}")
    add.add_argument("--password-stdin", action="store_true", help="also set a password, read from stdin")
    pw = sub.add_parser("set-password", help="set a staff account's password")
    pw.add_argument("staff_id")
    pw.add_argument("--password-stdin", action="store_true")
    unlock_p = sub.add_parser("unlock", help="lift a staff account's lockout")
    unlock_p.add_argument("staff_id")
    his = sub.add_parser("add-institution", help="register a designated institution's HIS client (prints the secret)")
    his.add_argument("fixmedins_code")
    his.add_argument("--name", required=True)
    his.add_argument("--region", default=None)
    his.add_argument("--rate-limit-per-minute", type=int, default=None)
    partner = sub.add_parser("add-partner", help="trust a partner region's public key(s)")
    partner.add_argument("admdvs")
    partner.add_argument("--name", required=True)
    partner.add_argument("--base-url", required=True, help="the partner's gateway")
    partner.add_argument("--public-key-file", required=True, action="append", help="Ed25519 public key, PEM")
    demo = sub.add_parser("seed-demo", help="create the demo accounts (development only)")
    demo.add_argument("--region", default=None)
    for p in (first, add, pw, unlock_p, his, partner, demo):
        p.add_argument("--database-url", default=None)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    url = args.database_url or settings.database_url
    region = getattr(args, "region", None) or settings.region
    if args.command == "seed-demo":
        asyncio.run(seed_demo(url, region))
        staff = ", ".join(s[0] for s in DEMO_STAFF)
        print(f"demo accounts ready in region {region}: {staff}, unit {DEMO_EMPLOYER[0]}, HIS {DEMO_INSTITUTION[0]}")
    elif args.command == "create-admin":
        password = read_password(args.password_stdin)
        asyncio.run(
            upsert_staff(url, staff_id=args.staff_id, name=args.name, region=region, roles=["admin"], password=password)
        )
        print(f"administrator {args.staff_id} ready (region {region}); log in at POST /api/v1/auth/staff/token")
    elif args.command == "add-staff":
        roles = _roles(args.roles)
        initial = read_password(True) if args.password_stdin else None
        asyncio.run(
            upsert_staff(url, staff_id=args.staff_id, name=args.name, region=region, roles=roles, password=initial)
        )
        print(f"staff account {args.staff_id} ready ({','.join(roles)}, region {region})")
    elif args.command == "set-password":
        return _set_password(url, args.staff_id, read_password(args.password_stdin))
    elif args.command == "unlock":
        if not asyncio.run(unlock(url, args.staff_id)):
            print(f"no staff account {args.staff_id}", file=sys.stderr)
            return 1
        print(f"staff account {args.staff_id} unlocked")
    elif args.command == "add-institution":
        secret = new_client_secret()
        asyncio.run(
            upsert_institution(
                url,
                client_id=args.fixmedins_code,
                name=args.name,
                region=region,
                secret=secret,
                rate_limit_per_minute=args.rate_limit_per_minute,
            )
        )
        print(f"client_id={args.fixmedins_code}\nclient_secret={secret}\n(the secret is shown only now)")
    else:
        pems = [Path(f).read_bytes() for f in args.public_key_file]
        asyncio.run(
            upsert_partner(url, admdvs=args.admdvs, name=args.name, base_url=args.base_url, public_keys_pem=pems)
        )
        print(f"partner region {args.admdvs} trusted ({len(pems)} key(s)), at {args.base_url}")
    return 0


def _set_password(url: str, staff_id: str, password: str) -> int:
    async def run() -> bool:
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(
                    update(StaffAccount)
                    .where(StaffAccount.staff_id == staff_id)
                    .values(password_hash=hash_secret(password), credentials_changed_at=datetime.now(UTC))
                )
                return bool(result.rowcount)  # type: ignore[attr-defined]
        finally:
            await engine.dispose()

    if not asyncio.run(run()):
        print(f"no staff account {staff_id}", file=sys.stderr)
        return 1
    print(f"password of {staff_id} set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
