"""The total timeout: one deadline timer per AiohttpTransport, not one per request.

The server runs in its own thread (http.server, keep-alive), so every timer armed on the test's
event loop is the client's own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from resilience_servers import http_server_in_threads
from yarl import URL

from enspace_async import Request, RequestTimeout, Timeout
from enspace_async.transports import AiohttpTransport

RELEASE = threading.Event()  # set at teardown: the slow answers hang until then


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection for every fast request
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms ACK wait

    def do_GET(self) -> None:
        if self.path == "/slow":
            RELEASE.wait(10)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def url() -> Iterator[URL]:
    RELEASE.clear()
    with http_server_in_threads(_Handler) as base:
        yield URL(base)
        RELEASE.set()


def _get(url: URL, path: str, total: float | None) -> Request:
    return Request("GET", url / path.lstrip("/"), timeout=Timeout(total=total))


async def _timed_out(transport: AiohttpTransport, request: Request) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RequestTimeout) as caught:
        await transport.send(request)
    assert caught.value.message == "timed out waiting for the response"
    return loop.time() - started


async def test_a_slow_answer_times_out_at_its_total(url: URL) -> None:
    transport = AiohttpTransport()
    try:
        async with asyncio.timeout(5):
            elapsed = await _timed_out(transport, _get(url, "/slow", 0.3))
        assert 0.3 <= elapsed < 1.3
        # The deadline's cancel was undone: the task can still be cancelled and time out later.
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0
        async with asyncio.timeout(5):
            assert (await transport.send(_get(url, "/fast", 0.3))).status == 200
    finally:
        await transport.aclose()


async def test_a_short_total_is_kept_while_a_long_one_is_in_flight(url: URL) -> None:
    transport = AiohttpTransport()
    long = asyncio.ensure_future(transport.send(_get(url, "/slow", 60.0)))
    try:
        await asyncio.sleep(0)  # the long one registers its deadline first
        async with asyncio.timeout(5):
            elapsed = await _timed_out(transport, _get(url, "/slow", 0.2))
        assert 0.2 <= elapsed < 1.2
        assert not long.done()
    finally:
        long.cancel()
        with pytest.raises(asyncio.CancelledError):
            await long
        await transport.aclose()


async def test_a_cancel_from_outside_is_not_turned_into_a_timeout(url: URL) -> None:
    transport = AiohttpTransport()
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await transport.send(_get(url, "/slow", 60.0))
    finally:
        await transport.aclose()


async def test_no_timer_is_armed_per_request(url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    armed: list[object] = []
    call_at = loop.call_at

    def counting(when: float, callback: Any, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
        armed.append(callback)
        return call_at(when, callback, *args, **kwargs)

    transport = AiohttpTransport()
    try:
        async with asyncio.timeout(10):
            await transport.send(_get(url, "/fast", 60.0))  # opens the keep-alive connection
            monkeypatch.setattr(loop, "call_at", counting)
            for _ in range(50):
                assert (await transport.send(_get(url, "/fast", 60.0))).status == 200
    finally:
        monkeypatch.undo()
        await transport.aclose()
    assert len(armed) <= 2, armed
