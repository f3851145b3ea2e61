"""AiohttpTransport under aioresponses, for users who mock aiohttp with it.

aioresponses 0.7.9 cannot mock aiohttp >= 3.14 (pnuckowski/aioresponses#289), so CI runs this
file alone, in a separate environment pinned to aiohttp 3.13. The main suite never uses it.
"""

from __future__ import annotations

import re

import aiohttp
import pytest
from aioresponses import aioresponses

from enspace_async import EnspaceClient, NotFoundError, ProtocolError
from enspace_async.models import Item

BASE = "https://api.leif.enspace.io"


@pytest.fixture
def mocked():
    with aioresponses() as m:
        yield m


async def test_get_decodes_a_mocked_item(mocked: aioresponses) -> None:
    mocked.get(
        f"{BASE}/ws/types/t/items/ABC1",
        payload={"id": 1, "reference": "ABC1", "data": {"x": 1}},
    )
    async with EnspaceClient("en.key", workspace="acme") as client:
        item = await client.items.get("t", "ABC1")
    assert item == Item(id=1, reference="ABC1", data={"x": 1})
    (((method, url), calls),) = mocked.requests.items()
    assert (method, str(url)) == ("GET", f"{BASE}/ws/types/t/items/ABC1")
    assert calls[0].kwargs["headers"]["x-api-key"] == "en.key"
    assert calls[0].kwargs["headers"]["en-workspace"] == "acme"


async def test_paging_and_errors_under_mocks(mocked: aioresponses) -> None:
    pattern = re.compile(rf"^{re.escape(BASE)}/ws/types/t/items\?.*$")
    mocked.get(pattern, payload=[{"id": i, "reference": f"R{i}"} for i in range(100)])
    mocked.get(pattern, payload=[{"id": 100, "reference": "R100"}])
    mocked.get(
        f"{BASE}/ws/types/t/items/NOPE",
        status=404,
        payload={"statusCode": 404, "error": "Not Found", "message": "Item not found"},
    )
    mocked.get(f"{BASE}/ws/types/t/items/DROP", exception=aiohttp.ServerDisconnectedError())
    async with EnspaceClient("en.key", workspace="acme") as client:
        assert len([i async for i in client.items.list("t")]) == 101
        with pytest.raises(NotFoundError, match="Item not found"):
            await client.items.get("t", "NOPE")
        with pytest.raises(ProtocolError):
            await client.items.get("t", "DROP")
