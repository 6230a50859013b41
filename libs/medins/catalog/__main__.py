"""``python -m medins.catalog [--root DIR] (--write-schema | --check)``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from medins.catalog import schema
from medins.catalog.loader import DEFAULT_ROOT, CatalogError, load_catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medins.catalog", description="service-item catalogue tools")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the catalog/ folder")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write-schema", action="store_true", help="write catalog/schema/*.json from the models")
    action.add_argument("--check", action="store_true", help="load and validate every catalogue file")
    args = parser.parse_args(argv)
    if args.write_schema:
        for path in schema.write(args.root):
            print(path)
        return 0
    try:
        catalog = load_catalog(args.root)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 1
    entries = sum(len(p.items) for p in catalog.regions())
    print(f"ok: {len(catalog.items)} items, {len(catalog.profiles)} regions, {entries} region entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
