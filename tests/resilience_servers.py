"""Small servers on 127.0.0.1 for the resilience and transport tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ssl import SSLContext

from aiohttp import web

HandlerFunc = Callable[[web.Request], Awaitable[web.StreamResponse]]


def app_with(handler: HandlerFunc) -> web.Application:
    """An app sending every method and path to ``handler``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


@asynccontextmanager
async def serving(
    handler: HandlerFunc, *, ssl_context: SSLContext | None = None
) -> AsyncIterator[str]:
    """Serve ``handler`` on a free loopback port; yield the base URL."""
    runner = web.AppRunner(app_with(handler), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class ServedInThread:
    """``handler`` served on a free loopback port from a thread and event loop of its own, so
    it outlives every loop a test starts and closes. ``url`` once built; ``close()`` to stop."""

    def __init__(self, handler: HandlerFunc) -> None:
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._stopped = asyncio.Event()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(handler, ready), daemon=True)
        self._thread.start()
        assert ready.wait(10)

    def _run(self, handler: HandlerFunc, ready: threading.Event) -> None:
        async def serve() -> None:
            async with serving(handler) as url:
                self.url = url
                ready.set()
                await self._stopped.wait()

        self._loop.run_until_complete(serve())
        self._loop.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)


@contextmanager
def http_server_in_threads(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served by a ``ThreadingHTTPServer`` on a free loopback port, from threads of
    its own: no timer of it runs on the test's event loop. Yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
