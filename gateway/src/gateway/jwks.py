"""An issuer's published keys (JWKS), from a file or a URL."""

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from medins.errors import Unauthenticated

log = logging.getLogger("gateway.jwks")


class JwksKeys:
    """Refreshed when an unknown key id shows up (at most every ``min_refresh_seconds``)."""

    def __init__(self, source: str, *, min_refresh_seconds: float = 10.0) -> None:
        self.source = source
        self.keys: dict[str, jwt.PyJWK] = {}
        self.min_refresh_seconds = min_refresh_seconds
        self._last_refresh = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self) -> dict[str, Any]:
        if self.source.startswith(("http://", "https://")):
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(self.source)
                response.raise_for_status()
                return dict(response.json())
        return dict(json.loads(await asyncio.to_thread(Path(self.source).read_text)))

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._last_refresh < self.min_refresh_seconds and self.keys:
                return
            self._last_refresh = time.monotonic()
            try:
                jwks = jwt.PyJWKSet.from_dict(await self._fetch())
            except Exception as exc:
                log.warning("could not load JWKS from %s: %s", self.source, exc)
                return
            self.keys = {k.key_id: k for k in jwks.keys if k.key_id}

    async def key(self, kid: str | None) -> jwt.PyJWK:
        if kid not in self.keys:
            await self.refresh()
        key = self.keys.get(kid or "")
        if key is None:
            raise Unauthenticated("令牌签名密钥未知", code="unknown_signing_key")
        return key
