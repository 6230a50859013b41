"""The combined OpenAPI document: every service's paths, schemas renamed per service to avoid clashes."""

import asyncio
import json
from typing import Any

import aiohttp

REF_PREFIX = "#/components/schemas/"


def _rename_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                out[key] = REF_PREFIX + f"{service}__{value[len(REF_PREFIX) :]}"
            else:
                out[key] = _rename_refs(value, service)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, service) for v in node]
    return node


def merge(gateway_doc: dict[str, Any], service_docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    combined = json.loads(json.dumps(gateway_doc))
    combined.setdefault("paths", {})
    schemas = combined.setdefault("components", {}).setdefault("schemas", {})
    combined["components"]["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "参保人：医保电子凭证；经办人员、参保单位：POST /api/v1/auth/staff/token、/api/v1/auth/employer/token；"
                "定点医药机构：POST /api/v1/auth/token（client credentials）；外地经办机构：本地区私钥签名的请求令牌"
            ),
        }
    }
    combined["security"] = [{"bearer": []}]
    tags = combined.setdefault("tags", [])
    for service, doc in sorted(service_docs.items()):
        doc = _rename_refs(doc, service)
        for path, item in doc.get("paths", {}).items():
            combined["paths"][path] = item
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            schemas[f"{service}__{name}"] = schema
        tags.extend(t for t in doc.get("tags", []) if t not in tags)
    return combined


async def fetch_service_docs(session: aiohttp.ClientSession, urls: dict[str, str]) -> dict[str, dict[str, Any]]:
    async def one(name: str, url: str) -> tuple[str, dict[str, Any] | None]:
        try:
            async with session.get(url + "/openapi.json", timeout=aiohttp.ClientTimeout(total=5)) as r:
                return name, (await r.json()) if r.status == 200 else None
        except (aiohttp.ClientError, TimeoutError, OSError):
            return name, None

    results = await asyncio.gather(*(one(n, u) for n, u in urls.items()))
    return {name: doc for name, doc in results if doc is not None}
