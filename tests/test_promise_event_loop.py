"""Promise: a client belongs to the event loop that first used it; elsewhere it says so.

Used from a second loop, or after its loop closed, a client raises
:class:`WrongEventLoopError` (a :class:`ClientClosedError`) before anything is sent, and leaves
no unclosed session, connector, socket or transport behind: ``asyncio.run()`` ending the first
loop closes the session the client opened there. The server runs on its own thread and loop
(127.0.0.1), so it outlives every loop the client meets.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from resilience_servers import ServedInThread

from enspace_async import (
    ClientClosedError,
    EnspaceClient,
    WrongEventLoopError,
    outcome_unknown,
)
from enspace_async.transports import AiohttpTransport

KEY = "en.PromiseEventLoopKey0123456789abcd"


class ThreadedServer(ServedInThread):
    """A server on its own thread and loop, counting the requests it gets."""

    def __init__(self) -> None:
        self.requests = 0
        super().__init__(self._answer)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        return web.json_response({"path": request.path})


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    running = ThreadedServer()
    yield running
    running.close()


def no_resource_warnings_after(action: Any) -> list[str]:
    """Run ``action``, collect garbage, and return every warning raised meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
        gc.collect()
    return [str(w.message) for w in caught]


async def get(client: EnspaceClient, path: str = "/x") -> Any:
    async with asyncio.timeout(10):
        return await client.request("GET", path)


def test_a_client_used_after_its_loop_closed_says_so_and_leaves_nothing_open(
    server: ThreadedServer,
) -> None:
    client = EnspaceClient(KEY, base_url=server.url, workspace="w")
    assert asyncio.run(get(client)) == {"path": "/x"}  # the first loop: the client's own
    before = server.requests

    def use_again() -> None:
        with pytest.raises(WrongEventLoopError) as caught:
            asyncio.run(get(client))
        assert isinstance(caught.value, ClientClosedError)
        assert "another event loop" in str(caught.value)
        assert "one client per loop" in str(caught.value)
        assert caught.value.sent is False
        assert not outcome_unknown(caught.value)
        with pytest.raises(WrongEventLoopError):
            asyncio.run(get(client.with_workspace("other")))  # views share the loop

    assert no_resource_warnings_after(use_again) == []
    assert server.requests == before  # nothing was sent from the second loop
    asyncio.run(client.aclose())  # closing from another loop, once its own is gone, is fine
    assert client.closed


def test_a_client_never_closed_leaves_no_warning_when_its_loop_ends(
    server: ThreadedServer,
) -> None:
    def forget() -> None:
        client = EnspaceClient(KEY, base_url=server.url, workspace="w")
        assert asyncio.run(get(client)) == {"path": "/x"}
        del client

    assert no_resource_warnings_after(forget) == []


def test_a_session_opened_and_left_at_once_is_still_closed() -> None:
    """Under a mocked aiohttp (aioresponses) a call never yields to the loop, so the session's
    guard must have started before anything can cancel it, or its finally never runs."""
    sessions = []

    async def open_then(close: bool) -> None:
        transport = AiohttpTransport()
        sessions.append(await transport._client_session())
        if close:
            await transport.aclose()

    def both() -> None:
        asyncio.run(open_then(close=True))  # aclose() right after the session opened
        asyncio.run(open_then(close=False))  # asyncio.run() ends right after it opened

    assert no_resource_warnings_after(both) == []
    assert [session.closed for session in sessions] == [True, True]


def test_a_transport_used_loop_after_loop_opens_a_session_in_each(server: ThreadedServer) -> None:
    transport = AiohttpTransport()

    def twice() -> None:
        for _ in range(2):  # one client per loop, one transport shared: each loop its session
            client = EnspaceClient(KEY, base_url=server.url, workspace="w", transport=transport)
            assert asyncio.run(get(client)) == {"path": "/x"}

    assert no_resource_warnings_after(twice) == []


async def test_a_client_used_from_another_running_loop_says_so(server: ThreadedServer) -> None:
    async with EnspaceClient(KEY, base_url=server.url, workspace="w") as client:
        assert await get(client) == {"path": "/x"}
        outcome: list[BaseException] = []

        def elsewhere() -> None:
            try:
                asyncio.run(get(client))
            except BaseException as exc:
                outcome.append(exc)
            try:
                asyncio.run(client.aclose())  # its loop still runs: close it there
            except BaseException as exc:
                outcome.append(exc)

        await asyncio.to_thread(elsewhere)
        assert [type(e) for e in outcome] == [WrongEventLoopError, WrongEventLoopError]
        assert "another event loop" in str(outcome[1])
        assert await get(client, "/still") == {"path": "/still"}  # untouched in its own loop
    assert client.closed


def test_the_first_loop_to_use_a_client_owns_it_not_the_one_that_built_it(
    server: ThreadedServer,
) -> None:
    async def build() -> EnspaceClient:
        return EnspaceClient(KEY, base_url=server.url, workspace="w")

    client = asyncio.run(build())  # built in a loop that never used it

    async def use_and_close() -> Any:
        async with client:
            return await get(client)

    assert asyncio.run(use_and_close()) == {"path": "/x"}
