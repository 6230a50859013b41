"""Loading and validating ``catalog/``; the ``Catalog`` a service asks for items and region rules.

Every file is validated when the catalogue is loaded (at start-up): unknown fields, an unknown item key in a
profile, a material condition without a label, an extension in a region that allows none all fail there with
the file and the place in it, never later in a request. ``Catalog.resolve`` only looks things up.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from medins.catalog.models import FormDef, FormsFile, Item, ItemsFile, RegionEntry, RegionProfile
from medins.catalog.resolved import ResolvedItem, resolve_entry
from medins.errors import NotFound

#: ``catalog/`` at the repository root, or ``$MEDINS_CATALOG_DIR`` where the package is installed elsewhere
DEFAULT_ROOT = Path(os.environ.get("MEDINS_CATALOG_DIR") or Path(__file__).resolve().parents[3] / "catalog")

M = TypeVar("M", bound=BaseModel)
#: a safe loader, the C-accelerated one where PyYAML was built with libyaml (ten times faster)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(ValueError):
    """A catalogue file is malformed or inconsistent; the message names the file and the place in it."""


class UnknownItem(NotFound):
    code = "unknown_item"
    title = "事项不存在"


class UnknownRegion(NotFound):
    code = "unknown_region"
    title = "统筹区不存在"


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: ValidationError) -> str:
    lines = []
    for e in error.errors():
        where = _where(tuple(e["loc"]))
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown field (not in the schema)"
        lines.append(f"  {where}: {message}" if e["loc"] else f"  {message}")
    return "\n".join(lines)


def _read(path: Path, model: type[M]) -> M:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(f"{path}: does not match the {model.__name__} schema:\n{_describe(exc)}") from exc


@dataclass(frozen=True)
class Catalog:
    """The national items, the region profiles and the appendix forms, validated together."""

    items: dict[str, Item]
    profiles: dict[str, RegionProfile]
    forms: dict[str, FormDef]
    _entries: dict[tuple[str, str], RegionEntry]

    def item(self, key: str) -> Item:
        try:
            return self.items[key]
        except KeyError:
            raise UnknownItem(f"未知的事项：{key}") from None

    def region(self, admdvs: str) -> RegionProfile:
        try:
            return self.profiles[admdvs]
        except KeyError:
            raise UnknownRegion(f"未知的统筹区：{admdvs}（目录中只有 {'、'.join(sorted(self.profiles))}）") from None

    def regions(self) -> list[RegionProfile]:
        return [self.profiles[code] for code in sorted(self.profiles)]

    def resolve(self, item_key: str, region: str, *, insutype: str | None = None) -> ResolvedItem:
        """The item as ``region`` runs it. An item the region's seed does not list resolves to the national
        default with ``listed`` false; ``insutype`` picks a region's scheme-specific variant where it has one."""
        item, profile = self.item(item_key), self.region(region)
        return resolve_entry(item, profile, self._entries.get((region, item_key)), insutype)

    def items_for_region(self, region: str) -> list[ResolvedItem]:
        """The items the region's seed lists, in the seed's order."""
        profile = self.region(region)
        return [self.resolve(entry.item, region) for entry in profile.items]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items.values())


def _check_forms(where: str, codes: list[str | None], forms: dict[str, FormDef]) -> None:
    for code in codes:
        if code is not None and code not in forms:
            raise CatalogError(f"{where}: receipt form {code} is not in catalog/forms.yaml")


def _load_items(root: Path, forms: dict[str, FormDef]) -> dict[str, Item]:
    files = sorted((root / "items").glob("*.yaml"))
    if not files:
        raise CatalogError(f"{root / 'items'}: no item files (*.yaml)")
    items: dict[str, Item] = {}
    for path in files:
        for i, item in enumerate(_read(path, ItemsFile).items):
            if item.key in items:
                raise CatalogError(f"{path}: items[{i}]: item key {item.key!r} is defined twice")
            if item.service != path.stem:
                raise CatalogError(
                    f"{path}: items[{i}] ({item.key}): service {item.service} in the file of {path.stem}"
                )
            _check_forms(
                f"{path}: items[{i}] ({item.key})", [item.receipt_form, *item.receipt_form_by_situation.values()], forms
            )
            items[item.key] = item
    return items


def _load_region(path: Path, items: dict[str, Item], forms: dict[str, FormDef]) -> RegionProfile:
    profile = _read(path, RegionProfile)
    if profile.admdvs != path.stem:
        raise CatalogError(f"{path}: admdvs {profile.admdvs} does not match the file name")
    seen: set[str] = set()
    for i, entry in enumerate(profile.items):
        where = f"{path}: items[{i}]"
        if entry.item not in items:
            close = difflib.get_close_matches(entry.item, list(items), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise CatalogError(f"{where}: unknown item key {entry.item!r} (not in catalog/items/*.yaml){hint}")
        if entry.item in seen:
            raise CatalogError(f"{where}: item {entry.item!r} is listed twice in the profile")
        seen.add(entry.item)
        variants = [v.insutype for v in entry.insutype_variants]
        if len(set(variants)) != len(variants):
            raise CatalogError(f"{where} ({entry.item}): an insutype variant is given twice")
        _check_forms(
            f"{where} ({entry.item})", [entry.receipt_form, *(entry.receipt_form_by_situation or {}).values()], forms
        )
        for insutype in [None, *variants]:
            try:
                resolve_entry(items[entry.item], profile, entry, insutype)
            except ValidationError as exc:
                label = f" insutype {insutype}" if insutype else ""
                raise CatalogError(f"{where} ({entry.item}{label}): inconsistent overlay:\n{_describe(exc)}") from exc
    return profile


def load_catalog(root: Path = DEFAULT_ROOT) -> Catalog:
    """Read and validate ``root/forms.yaml``, ``root/items/*.yaml`` and ``root/regions/*.yaml``.
    Raises ``CatalogError`` naming the file and the field at the first problem."""
    root = Path(root)
    forms = {f.code: f for f in _read(root / "forms.yaml", FormsFile).forms}
    items = _load_items(root, forms)
    profiles: dict[str, RegionProfile] = {}
    for path in sorted((root / "regions").glob("*.yaml")):
        profiles[path.stem] = _load_region(path, items, forms)
    if not profiles:
        raise CatalogError(f"{root / 'regions'}: no region profiles (<admdvs>.yaml)")
    entries = {(code, e.item): e for code, p in profiles.items() for e in p.items}
    catalog = Catalog(items=items, profiles=profiles, forms=forms, _entries=entries)
    for code in profiles:  # a national default a region does not list must resolve too
        for key in items:
            if (code, key) not in entries:
                try:
                    catalog.resolve(key, code)
                except ValidationError as exc:
                    raise CatalogError(f"item {key} in region {code} (national default):\n{_describe(exc)}") from exc
    return catalog
