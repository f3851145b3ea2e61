"""Shared test configuration.

The emulator fixtures ``enspace_emulator`` and ``enspace_client`` come from the package's pytest
plugin (``_enspace_async_pytest``, registered by the ``pytest11`` entry point).
``raw_api`` calls that emulator with plain aiohttp, so tests check the wire contract without
going through the SDK.

``emu`` is an emulator of the test's own, seeded as its ``emulator`` mark says (``pytestmark =
pytest.mark.emulator(seed=7, types={"deals": FIELDS}, items=0)``), and ``client`` a client of
it that retries without backoff (``helpers.FAST``); a module needing more defines its own.

``redis_url`` (a Redis for the whole run) and ``redis_server`` (a dedicated one a test may stop
and start) are real ``redis-server`` processes (see ``benchmarks/_redis.py`` for where the binary
comes from). Where there is none the Redis tests skip with one reason; ``ENSPACE_REQUIRE_REDIS=1``
(set by ``.ci/run``) makes that a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, NoReturn

import aiohttp
import orjson
import pytest
import pytest_asyncio
from helpers import FAST

from benchmarks._redis import NoRedisError, RedisServer, redis_binary, running_redis
from enspace_async import EnspaceClient
from enspace_async.testing import EnspaceEmulator

pytest_plugins = ["pytester"]
REQUIRE_REDIS = "ENSPACE_REQUIRE_REDIS"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "emulator(seed=0, types={slug: fields}, items=0, **options): how the emu fixture "
        "seeds its emulator (other options go to EnspaceEmulator)",
    )


@pytest_asyncio.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[EnspaceEmulator]:
    """A started emulator, seeded as the test's ``emulator`` mark says: each of ``types``
    (slug → fields, ``None`` for the demo fields) with ``items`` rows."""
    mark = request.node.get_closest_marker("emulator")
    options = dict(mark.kwargs) if mark is not None else {}
    types: Mapping[str, Any] = options.pop("types", {})
    items: int = options.pop("items", 0)
    async with EnspaceEmulator(**options) as emulator:
        for slug, fields in types.items():
            emulator.seed_type(slug, fields=fields, items=items)
        yield emulator


@pytest_asyncio.fixture
async def client(emu: EnspaceEmulator) -> AsyncIterator[EnspaceClient]:
    """A client of ``emu`` that retries at once (:data:`helpers.FAST`)."""
    async with emu.client(retry=FAST) as c:
        yield c


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


def no_redis(missing: NoRedisError) -> NoReturn:
    """Skip the test for want of a Redis, or fail it when ``ENSPACE_REQUIRE_REDIS=1``."""
    if os.environ.get(REQUIRE_REDIS) == "1":
        pytest.fail(f"{missing}; {REQUIRE_REDIS}=1 makes this a failure", pytrace=False)
    pytest.skip(str(missing))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a running Redis: ``ENSPACE_TEST_REDIS_URL`` if one answers, else one started
    for the whole run."""
    try:
        with running_redis() as url:
            yield url
    except NoRedisError as missing:
        no_redis(missing)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A dedicated Redis the test may stop and start again."""
    try:
        server = RedisServer(redis_binary())
    except NoRedisError as missing:
        no_redis(missing)
    server.start()
    try:
        yield server
    finally:
        server.stop()
