"""The catalogue of service items (事项) and region profiles, as validated data (ARCHITECTURE section 8).

``load_catalog()`` reads ``catalog/`` once at start-up; ``Catalog.resolve(item_key, region)`` gives the item
as that region runs it (national default overlaid with the region's own rules).
"""

from medins.catalog.loader import DEFAULT_ROOT, Catalog, CatalogError, UnknownItem, UnknownRegion, load_catalog
from medins.catalog.models import (
    Alternative,
    Channel,
    Extension,
    HandlingMode,
    Item,
    Limit,
    Material,
    ProvidedAs,
    RegionEntry,
    RegionProfile,
    Route,
    Service,
    Source,
    Stage,
    TimeLimit,
    TimeLimitVariant,
    TimeUnit,
)
from medins.catalog.resolved import ResolvedItem

__all__ = [
    "DEFAULT_ROOT",
    "Alternative",
    "Catalog",
    "CatalogError",
    "Channel",
    "Extension",
    "HandlingMode",
    "Item",
    "Limit",
    "Material",
    "ProvidedAs",
    "RegionEntry",
    "RegionProfile",
    "ResolvedItem",
    "Route",
    "Service",
    "Source",
    "Stage",
    "TimeLimit",
    "TimeLimitVariant",
    "TimeUnit",
    "UnknownItem",
    "UnknownRegion",
    "load_catalog",
]
