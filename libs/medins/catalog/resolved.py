"""An item as one region runs it: the national default overlaid with the region's entry."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medins.catalog.models import (
    Channel,
    FormCode,
    HandlingMode,
    Insutype,
    Item,
    Material,
    Overlay,
    RegionEntry,
    RegionProfile,
    Route,
    Service,
    Source,
    Stage,
    TimeLimit,
)

#: fields a region entry may override (``situations`` is merged, the others are replaced)
OVERLAY_FIELDS = (
    "name",
    "applicants",
    "handling_mode",
    "time_limit",
    "stages",
    "channels",
    "steps",
    "routes",
    "materials",
    "situations",
    "receipt_form",
    "receipt_form_by_situation",
    "payment",
    "second_review",
    "forms",
)


class ResolvedItem(BaseModel):
    """What a service needs to run cases of one item in one region (``Catalog.resolve``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    region: str
    region_name: str
    listed: bool = Field(description="false when the region's seed does not list the item: national default")
    insutype: Insutype | None = None
    national_code: str | None
    name: str
    national_name: str
    aliases: list[str]
    name_en: str
    service: Service
    category: str | None
    applicants: str | None
    handling_mode: HandlingMode
    time_limit: TimeLimit
    stages: list[Stage]
    channels: list[Channel]
    steps: list[str]
    routes: list[Route]
    materials: list[Material]
    situations: dict[str, str]
    receipt_form: FormCode | None
    receipt_form_by_situation: dict[str, FormCode]
    payment: bool
    second_review: bool
    allows_extension: bool
    forms: list[str]
    notes: list[str]
    sources: list[Source]

    @property
    def situation_keys(self) -> frozenset[str]:
        return frozenset(self.situations)

    def receipt_form_for(self, situations: list[str] | tuple[str, ...] = ()) -> str | None:
        """The receipt (业务回执单) form for an applicant in ``situations`` (e.g. B.4 for a flexible worker)."""
        for situation in situations:
            if situation in self.receipt_form_by_situation:
                return self.receipt_form_by_situation[situation]
        return self.receipt_form

    @model_validator(mode="after")
    def _consistent(self) -> ResolvedItem:
        referenced = situations_referenced(self.materials, self.time_limit, self.receipt_form_by_situation)
        unlabelled = sorted(referenced - set(self.situations))
        if unlabelled:
            raise ValueError(f"situations used but not labelled in 'situations': {', '.join(unlabelled)}")
        seen: set[tuple[str, str | None]] = set()
        for m in self.materials:
            if (m.key, m.condition) in seen:
                raise ValueError(f"material {m.key!r} appears twice for condition {m.condition!r}")
            seen.add((m.key, m.condition))
        if self.time_limit.extension is not None and not self.allows_extension:
            raise ValueError("time_limit.extension is given but the region's allows_extension is false")
        return self


def situations_referenced(materials: list[Material], time_limit: TimeLimit, receipts: dict[str, str]) -> set[str]:
    keys = {m.condition for m in materials if m.condition}
    keys |= {v.situation for v in time_limit.variants if v.situation}
    return keys | set(receipts)


def _overlay(values: dict[str, Any], overlay: Overlay) -> None:
    for field in OVERLAY_FIELDS:
        if field not in overlay.model_fields_set:
            continue
        value = getattr(overlay, field)
        if field == "situations":
            values[field] = {**values[field], **(value or {})}
        else:
            values[field] = value


def resolve_entry(
    item: Item, region: RegionProfile, entry: RegionEntry | None, insutype: str | None = None
) -> ResolvedItem:
    """Overlay ``item`` with ``entry`` (and its variant for ``insutype`` if it has one).
    Raises ``pydantic.ValidationError`` when the result is inconsistent."""
    values: dict[str, Any] = item.model_dump(include=set(OVERLAY_FIELDS))
    values.update(
        {
            "situations": dict(item.situations),
            "materials": list(item.materials),
            "time_limit": item.time_limit,
            "stages": list(item.stages),
            "routes": list(item.routes),
        }
    )
    notes, sources, aliases, chosen = list(item.notes), list(item.sources), [], None
    if entry is not None:
        _overlay(values, entry)
        notes += entry.notes
        sources += entry.sources
        aliases = [a.name for a in entry.aliases]
        chosen = entry.insutype
        variant = next((v for v in entry.insutype_variants if v.insutype == insutype), None)
        if variant is not None:
            _overlay(values, variant)
            notes += variant.notes
            sources += variant.sources
            chosen = variant.insutype
    # a label without a use (the national default's, after the region replaced the materials) is dropped
    used = situations_referenced(values["materials"], values["time_limit"], values["receipt_form_by_situation"])
    values["situations"] = {k: v for k, v in values["situations"].items() if k in used}
    return ResolvedItem(
        key=item.key,
        region=region.admdvs,
        region_name=region.name,
        listed=entry is not None,
        insutype=chosen,
        national_code=item.national_code,
        national_name=item.name,
        aliases=aliases,
        name_en=item.name_en,
        service=item.service,
        category=item.category,
        allows_extension=region.allows_extension,
        notes=notes,
        sources=sources,
        **values,
    )
