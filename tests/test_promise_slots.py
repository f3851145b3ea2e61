"""Issue 11, point 7 (and the in-flight wait of point 1): no slot ever leaks or waits forever.

Hooks and middlewares that raise or are cancelled, callers cancelled while queued for a slot,
and a queued caller whose deadline comes: after each, ``client.stats.in_flight`` is 0 and every
in-flight slot is free. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp import web
from helpers import VirtualTime
from resilience_servers import serving

from enspace_async import (
    Attempt,
    EnspaceClient,
    Handler,
    Hooks,
    Request,
    RequestTimeout,
    Response,
    RetryPolicy,
)
from enspace_async._ratelimit.slots import Slots, sleep_alarm

KEY = "en.promiseslots0000000000000000000000000"


class Boom(Exception):
    """A hook's or middleware's own bug."""


class Server:
    """Answers ``200 {}``; ``/slow`` first waits for :attr:`release`."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/slow":
            self.arrived.set()
            await self.release.wait()
        return web.json_response({})


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    app = Server()
    async with serving(app.handle) as url:
        yield app, url


def assert_idle(client: EnspaceClient) -> None:
    slots = client._session.gate.slots
    assert slots is not None
    assert client.stats.in_flight == 0
    assert slots.idle, (slots.free, slots.size)


class Misbehaving:
    """Hooks and a middleware whose behaviour the test picks per call."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.entered = asyncio.Event()

    async def _act(self, where: str) -> None:
        if self.mode == f"raise-{where}":
            raise Boom(where)
        if self.mode == f"hang-{where}":  # the test cancels the call while it hangs here
            self.entered.set()
            await asyncio.Event().wait()

    async def on_request(self, attempt: Attempt) -> None:
        await self._act("on_request")

    def on_response(self, attempt: Attempt) -> None:
        if self.mode == "raise-on_response":
            raise Boom("on_response")

    async def async_on_response(self, attempt: Attempt) -> None:
        await self._act("async_on_response")

    async def middleware(self, request: Request, call_next: Handler) -> Response:
        await self._act("before")
        response = await call_next(request)
        await self._act("after")
        return response


MODES = [
    "raise-on_request",
    "hang-on_request",
    "raise-on_response",
    "raise-async_on_response",
    "hang-async_on_response",
    "raise-before",
    "hang-before",
    "raise-after",
    "hang-after",
]


async def test_hooks_and_middlewares_that_raise_or_are_cancelled_leak_no_slot(
    server: tuple[Server, str],
) -> None:
    _, url = server
    bad = Misbehaving()
    hooks = Hooks(on_request=[bad.on_request], on_response=[bad.on_response, bad.async_on_response])
    client = EnspaceClient(
        KEY,
        workspace="w",
        base_url=url,
        hooks=hooks,
        middlewares=[bad.middleware],
        max_in_flight=2,
    )
    async with asyncio.timeout(30), client:
        for i in range(100):
            bad.mode, bad.entered = MODES[i % len(MODES)], asyncio.Event()
            call = asyncio.create_task(client.request("GET", f"/x/{i}"))
            if bad.mode.startswith("hang"):
                await bad.entered.wait()
                call.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await call
            else:
                with pytest.raises(Boom):
                    await call
            assert_idle(client)
        bad.mode = "ok"
        await asyncio.gather(*(client.request("GET", f"/ok/{i}") for i in range(5)))
        assert_idle(client)


async def test_callers_cancelled_while_queued_for_a_slot_leak_nothing(
    server: tuple[Server, str],
) -> None:
    app, url = server
    async with (
        asyncio.timeout(30),
        EnspaceClient(KEY, workspace="w", base_url=url, max_in_flight=1) as client,
    ):
        holder = asyncio.create_task(client.request("GET", "/slow"))
        await app.arrived.wait()
        queued = [asyncio.create_task(client.request("GET", f"/q/{i}")) for i in range(10)]
        await asyncio.sleep(0)  # let them queue (no time passes: one loop turn)
        for task in queued[::2]:
            task.cancel()
        app.release.set()
        results = await asyncio.gather(holder, *queued, return_exceptions=True)
        assert sum(isinstance(r, asyncio.CancelledError) for r in results) == 5
        assert all(r == {} for r in results if not isinstance(r, BaseException))
        assert_idle(client)


async def test_a_caller_queued_for_a_slot_gives_up_at_its_deadline(
    server: tuple[Server, str],
) -> None:
    app, url = server
    fake = VirtualTime()
    policy = RetryPolicy(deadline=30.0)
    client = EnspaceClient(
        KEY,
        workspace="w",
        base_url=url,
        max_in_flight=1,
        retry=policy,
        timeout=30.0,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    async with asyncio.timeout(10), client:
        holder = asyncio.create_task(client.request("GET", "/slow"))
        await app.arrived.wait()
        with pytest.raises(RequestTimeout, match="in-flight slot") as caught:
            await client.request("GET", "/queued")  # the holder never finishes in time
        assert caught.value.sent is False
        assert "max_in_flight" in str(caught.value)
        assert fake.now == pytest.approx(80.0)  # it waited exactly until its deadline
        assert client.stats.retries == {}
        app.release.set()
        await holder
        assert_idle(client)
        await client.request("GET", "/after")  # the slot it gave up is not lost


async def test_queued_deadlines_ring_in_their_own_order_with_one_alarm() -> None:
    fake = VirtualTime()
    slots = Slots(1, sleep_alarm(fake.sleep), fake.clock)
    assert slots.try_take()
    async with asyncio.timeout(5):
        late = asyncio.create_task(slots.take(until=fake.now + 10))
        soon = asyncio.create_task(slots.take(until=fake.now + 2))  # queued later, due first
        patient = asyncio.create_task(slots.take())
        assert await soon is False
        assert fake.now == 52.0
        assert not late.done()
        assert await late is False
        assert fake.now == 60.0
        slots.give()
        assert await patient is True  # the slot goes to the one still waiting
        slots.give()
    assert slots.idle
    assert fake.slept == [2.0, 8.0]  # one alarm, moved on: never one timer per waiter
