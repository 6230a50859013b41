"""``python -m gateway.admin add-staff …``: create or update a staff account (经办人员账号)."""

import argparse
import asyncio
import sys

from sqlalchemy.dialects.postgresql import insert

from gateway.config import Settings
from gateway.models import StaffAccount
from medins.db import make_engine
from medins.identity import StaffRole


async def upsert_staff(database_url: str, *, staff_id: str, name: str, region: str, roles: list[str]) -> None:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            statement = insert(StaffAccount).values(
                staff_id=staff_id, name=name, region=region, roles=roles, active=True
            )
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["staff_id"],
                    set_={"name": name, "region": region, "roles": roles, "active": True},
                )
            )
    finally:
        await engine.dispose()


#: the development deployment's demo staff accounts (made by `make run` and the compose `seed` container)
DEMO_STAFF = (
    ("demo-intake", "示例受理员", ["intake", "review"]),
    ("demo-admin", "示例管理员", ["intake", "review", "second_review", "finance", "admin"]),
)


async def seed_demo(database_url: str, region: str) -> None:
    for staff_id, name, roles in DEMO_STAFF:
        await upsert_staff(database_url, staff_id=staff_id, name=name, region=region, roles=roles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-staff", help="create or update a staff account")
    add.add_argument("staff_id")
    add.add_argument("--name", required=True)
    add.add_argument("--region", required=True)
    add.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(r.value for r in StaffRole)}")
    add.add_argument("--database-url", default=None)
    demo = sub.add_parser("seed-demo", help="create the demo staff accounts (development only)")
    demo.add_argument("--region", default=None)
    demo.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "seed-demo":
        region = args.region or settings.region
        asyncio.run(seed_demo(args.database_url or settings.database_url, region))
        print(f"demo staff accounts ready in region {region}: {', '.join(s[0] for s in DEMO_STAFF)}")
        return 0
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = [r for r in roles if r not in {x.value for x in StaffRole}]
    if unknown:
        print(f"unknown roles: {unknown}", file=sys.stderr)
        return 2
    asyncio.run(
        upsert_staff(
            args.database_url or Settings().database_url,
            staff_id=args.staff_id,
            name=args.name,
            region=args.region,
            roles=roles,
        )
    )
    print(f"staff account {args.staff_id} ready ({','.join(roles)}, region {args.region})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
