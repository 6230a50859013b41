"""JSON Schema of the catalogue files, generated from the models (``python -m medins.catalog --write-schema``).

The committed ``catalog/schema/*.json`` must equal what this module generates; a test checks it, so the
schema an editor validates against is never edited by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from medins.catalog.models import FormsFile, ItemsFile, RegionProfile

SCHEMAS: dict[str, type[BaseModel]] = {
    "items.schema.json": ItemsFile,
    "region.schema.json": RegionProfile,
    "forms.schema.json": FormsFile,
}


def generate() -> dict[str, str]:
    """File name → JSON text of each schema."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write(root: Path) -> list[Path]:
    folder = root / "schema"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generate().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
