"""Shared test configuration.

The emulator fixtures ``enspace_emulator`` and ``enspace_client`` come from the package's pytest
plugin (``enspace_async.testing.pytest_plugin``, registered by the ``pytest11`` entry point).
``raw_api`` calls that emulator with plain aiohttp, so tests check the wire contract without
going through the SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import orjson
import pytest_asyncio

from enspace_async.testing import EnspaceEmulator


class RawApi:
    """Plain-aiohttp calls to an emulator: ``status, body, headers = await api.call(...)``."""

    def __init__(self, emulator: EnspaceEmulator, session: aiohttp.ClientSession):
        self.emulator = emulator
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        key: str | None = "default",
        workspace: str | None = "acme",
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """Send one request; the body is parsed JSON (or ``None`` when empty)."""
        sent = dict(headers or {})
        if key is not None:
            sent["x-api-key"] = self.emulator.api_key if key == "default" else key
        if workspace is not None:
            sent["en-workspace"] = workspace
        async with self.session.request(
            method,
            self.emulator.url + path,
            json=json,
            params=params,
            headers=sent,
            allow_redirects=False,
        ) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None, response.headers


@pytest_asyncio.fixture
async def raw_api(enspace_emulator: EnspaceEmulator) -> AsyncIterator[RawApi]:
    """A :class:`RawApi` on the ``enspace_emulator`` fixture (one connection per request)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield RawApi(enspace_emulator, session)
