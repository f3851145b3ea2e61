"""Cancellation safety and timeouts, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from aiohttp import web
from resilience_servers import serving

from enspace_async import EnspaceClient, RequestTimeout, RetryPolicy, Timeout
from enspace_async._ratelimit.slots import Slots
from enspace_async.transports import AiohttpTransport

KEY = "en.cancellationtestkey0000000000000000"


async def chunky(request: web.Request) -> web.StreamResponse:
    """Read the body, then answer in several chunks spread over loop iterations."""
    await request.read()
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b'{"pad": "')
    for _ in range(4):
        await asyncio.sleep(0)
        await response.write(b"x" * 2048)
    await response.write(b'"}')
    return response


def loop_errors() -> list[dict[str, Any]]:
    """Collect what the event loop reports (unclosed connections, unretrieved errors)."""
    seen: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: seen.append(context))
    return seen


async def test_a_thousand_random_cancellations_leave_the_pool_healthy() -> None:
    reported = loop_errors()
    rng = random.Random(5)
    transport = AiohttpTransport(pool_size=50)
    async with serving(chunky) as url:
        client = EnspaceClient(KEY, base_url=url, workspace="w", transport=transport)
        async with client:

            async def cancel_later(task: asyncio.Task[Any], turns: int) -> None:
                for _ in range(turns):
                    await asyncio.sleep(0)
                task.cancel()

            tasks, cancellers = [], []
            for i in range(1000):
                method, body = ("POST", {"i": i}) if i % 3 == 0 else ("GET", None)
                task = asyncio.create_task(client.request(method, "/x", json=body))
                tasks.append(task)
                cancellers.append(asyncio.create_task(cancel_later(task, rng.randrange(0, 80))))
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*cancellers)
            cancelled = sum(isinstance(o, asyncio.CancelledError) for o in outcomes)
            finished = sum(isinstance(o, dict) for o in outcomes)
            assert cancelled + finished == 1000
            assert cancelled > 300  # most were cut mid-flight: connecting, sending or reading

            assert client.stats.in_flight == 0
            connector = (await transport._client_session()).connector
            assert connector is not None
            assert len(connector._acquired) == 0  # every connection went back or was closed

            results = await asyncio.gather(*(client.request("GET", "/x") for _ in range(100)))
            assert all(len(r["pad"]) == 4 * 2048 for r in results)
    assert reported == []


async def test_asyncio_timeout_cancels_a_stalled_call_and_the_client_goes_on() -> None:
    reported = loop_errors()
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        if request.path == "/stall":
            await release.wait()
        return web.json_response({"ok": True})

    async with serving(stall) as url, EnspaceClient(KEY, base_url=url, workspace="w") as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await client.request("GET", "/stall")
        assert client.stats.in_flight == 0
        assert await client.request("GET", "/fine") == {"ok": True}
        release.set()
    assert reported == []


async def test_the_client_timeout_ends_an_attempt() -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({})

    async with serving(stall) as url:
        client = EnspaceClient(
            KEY, base_url=url, workspace="w", timeout=Timeout(total=0.05), retry=None
        )
        async with client:
            with pytest.raises(RequestTimeout):
                await client.request("GET", "/x")
            view = client.with_options(timeout=0.08)
            with pytest.raises(RequestTimeout):
                await view.request("GET", "/x")
            assert client.stats.errors["RequestTimeout"] == 2
        release.set()


async def test_read_timeouts_are_retried_for_gets_within_the_deadline() -> None:
    release = asyncio.Event()
    calls = 0

    async def flaky(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
        return web.json_response({"calls": calls})

    async with serving(flaky) as url:
        client = EnspaceClient(
            KEY,
            base_url=url,
            workspace="w",
            timeout=Timeout(total=0.05),
            retry=RetryPolicy(jitter=lambda: 0.0),
        )
        async with client:
            assert await client.request("GET", "/x") == {"calls": 2}
            assert client.stats.retries == {"timeout": 1}
        release.set()


async def test_a_cancelled_waiter_never_leaks_an_in_flight_slot() -> None:
    slots = Slots(1)
    assert slots.try_take()
    first = asyncio.create_task(slots.take())
    second = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    slots.give()  # handed to ``first``...
    first.cancel()  # ...which is cancelled before it runs: the slot goes on to ``second``
    await asyncio.gather(first, return_exceptions=True)
    await second
    assert slots.free == 0
    waiting = asyncio.create_task(slots.take())
    await asyncio.sleep(0)
    waiting.cancel()  # cancelled while queued: simply leaves the queue
    await asyncio.gather(waiting, return_exceptions=True)
    slots.give()
    assert slots.free == 1
    assert slots.try_take()
