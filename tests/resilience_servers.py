"""Small aiohttp.web servers on 127.0.0.1 for the resilience tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
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
