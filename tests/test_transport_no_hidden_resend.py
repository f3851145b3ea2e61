"""AiohttpTransport never resends by itself: every resend is the retry middleware's decision."""

from __future__ import annotations

import pytest
from aiohttp import web
from yarl import URL

from enspace_async import ProtocolError, Request
from enspace_async.transports import AiohttpTransport


async def test_a_dropped_reused_connection_is_reported_not_resent() -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.path)
        if request.path == "/drop":
            assert request.transport is not None
            request.transport.abort()
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = URL(f"http://127.0.0.1:{runner.addresses[0][1]}")
    transport = AiohttpTransport(pool_size=1)
    try:
        warm = await transport.send(Request("GET", base / "warm"))
        assert warm.status == 200
        for method in ("GET", "PUT", "DELETE"):
            with pytest.raises(ProtocolError):
                await transport.send(Request(method, base / "drop"))
    finally:
        await transport.aclose()
        await runner.cleanup()
    assert seen == ["/warm", "/drop", "/drop", "/drop"]
