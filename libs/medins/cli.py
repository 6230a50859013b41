"""``medins-admin``: migrations, keys, dead letters and development tokens."""

import argparse
import asyncio
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from medins.bus.deadletters import list_dead_letters, replay_dead_letters
from medins.identity import generate_ed25519_keypair
from medins.migrate import COMPONENTS, upgrade


def ensure_keypair(private_path: Path, public_path: Path) -> None:
    """Create an Ed25519 key pair once; an existing pair is kept (running twice is harmless)."""
    if private_path.exists() and public_path.exists():
        return
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private, public = generate_ed25519_keypair()
    private_path.write_bytes(private)
    private_path.chmod(0o600)
    public_path.write_bytes(public)


def _cmd_migrate(args: argparse.Namespace) -> int:
    services = COMPONENTS if args.service == ["all"] else args.service
    for service in services:
        url = args.database_url or os.environ.get(f"{service.upper()}_DATABASE_URL")
        if not url:
            print(f"no database URL for {service}: set {service.upper()}_DATABASE_URL", file=sys.stderr)
            return 2
        upgrade(service, url)
        print(f"{service}: migrated")
    return 0


def _cmd_dlq(args: argparse.Namespace) -> int:
    if args.action == "list":
        letters = asyncio.run(list_dead_letters(args.amqp_url, args.queue, limit=args.limit))
        print(json.dumps([asdict(d) for d in letters], ensure_ascii=False, indent=2, default=str))
    else:
        count = asyncio.run(replay_dead_letters(args.amqp_url, args.queue, limit=args.limit))
        print(f"replayed {count} message(s) onto {args.queue}")
    return 0


#: the key pairs of a deployment: the gateway's internal token key, the region's key (partner requests and
#: the documents of 转移接续, used by the transfer service)
DEPLOYMENT_KEYS = ("internal", "region")


def _cmd_keys(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    for name in args.name or DEPLOYMENT_KEYS:
        ensure_keypair(folder / f"{name}-private.pem", folder / f"{name}-public.pem")
        print(f"{folder}/{name}-private.pem, {folder}/{name}-public.pem")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="medins-admin")
    sub = parser.add_subparsers(dest="command", required=True)

    migrate = sub.add_parser("migrate", help="run Alembic migrations (creates the database if missing)")
    migrate.add_argument("service", nargs="+", help=f"one of {', '.join(COMPONENTS)} or 'all'")
    migrate.add_argument("--database-url")
    migrate.set_defaults(func=_cmd_migrate)

    dlq = sub.add_parser("dlq", help="list or replay a queue's dead letters")
    dlq.add_argument("action", choices=["list", "replay"])
    dlq.add_argument("queue", help="the consumer queue, e.g. maternity.employers")
    dlq.add_argument("--amqp-url", default=os.environ.get("MEDINS_AMQP_URL", "amqp://guest:guest@127.0.0.1:55672/"))
    dlq.add_argument("--limit", type=int, default=100)
    dlq.set_defaults(func=_cmd_dlq)

    keys = sub.add_parser("keys", help="create an Ed25519 key pair if missing")
    keys.add_argument("folder")
    keys.add_argument("--name", action="append", help=f"a key pair's name (default: {', '.join(DEPLOYMENT_KEYS)})")
    keys.set_defaults(func=_cmd_keys)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
