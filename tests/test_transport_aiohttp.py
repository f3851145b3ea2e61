"""AiohttpTransport against real aiohttp.web servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from enspace_async import (
    ConnectError,
    EnspaceClient,
    OutcomeUnknownError,
    ProtocolError,
    Request,
    RequestTimeout,
    Timeout,
    TransportError,
)
from enspace_async.transports import AiohttpTransport, Transport

KEY = "en.transport-test-key-000000000000000"
Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def app_with(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    return app


async def ok(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "path": request.path,
            "key": request.headers.get("x-api-key"),
            "ua": request.headers["user-agent"],
        }
    )


async def test_a_round_trip(serve: Serve) -> None:
    url = await serve(app_with(ok))
    async with EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client:
        body = await client.request("GET", "/ws/types")
    assert body["path"] == "/ws/types"
    assert body["key"] == KEY
    assert body["ua"].startswith("enspace-async/")


@pytest.mark.parametrize("agent", [None, "my-app/2"])
async def test_a_request_goes_with_its_own_user_agent_or_none(
    serve: Serve, agent: str | None
) -> None:
    seen: list[list[str]] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(request.headers.getall("user-agent", []))
        return web.Response()

    url = await serve(app_with(echo))
    transport = AiohttpTransport()
    try:
        headers = {} if agent is None else {"user-agent": agent}
        for _ in range(2):  # the second on a kept-alive connection
            await transport.send(Request("GET", URL(f"{url}/x"), headers))
    finally:
        await transport.aclose()
    assert seen == [[] if agent is None else [agent]] * 2  # never aiohttp's own


async def test_connection_refused_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with EnspaceClient(
        KEY, base_url=f"http://127.0.0.1:{port}", workspace="w", retry=None
    ) as client:
        with pytest.raises(ConnectError) as caught:
            await client.request("GET", "/ws/types")
    assert caught.value.sent is False
    assert KEY not in str(caught.value)


async def test_a_slow_answer_is_a_request_timeout(serve: Serve) -> None:
    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({})

    url = await serve(app_with(slow))
    async with EnspaceClient(
        KEY, base_url=url, workspace="w", timeout=Timeout(read=0.05), retry=None
    ) as client:
        with pytest.raises(RequestTimeout) as caught:
            await client.request("GET", "/ws/types")
        release.set()
    assert caught.value.sent is True


async def test_a_reset_before_answering_is_a_protocol_error(serve: Serve) -> None:
    async def reset(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()
        return web.Response()

    url = await serve(app_with(reset))
    async with EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.request("POST", "/ws/types", json={"a": 1})
    assert isinstance(caught.value.__cause__, ProtocolError)  # the transport's own mapping
    assert caught.value.sent is True
    assert caught.value.method == "POST"


async def test_a_truncated_body_is_a_protocol_error(serve: Serve) -> None:
    async def truncated(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b'[{"id": 1, "refer')
        assert request.transport is not None
        request.transport.close()
        return response

    url = await serve(app_with(truncated))
    async with EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client:
        with pytest.raises(ProtocolError, match="cut short"):
            await client.request("GET", "/ws/types")


async def test_cancelling_mid_request_leaves_the_client_usable(serve: Serve) -> None:
    started = asyncio.Event()
    hold = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/slow":
            started.set()
            await hold.wait()
        return web.json_response({"ok": True})

    url = await serve(app_with(handler))
    transport = AiohttpTransport(pool_size=1)
    async with EnspaceClient(
        KEY, base_url=url, workspace="w", retry=None, transport=transport
    ) as client:
        task = asyncio.create_task(client.request("GET", "/slow"))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The only pooled connection must have been released: the next call succeeds.
        assert await client.request("GET", "/fast") == {"ok": True}
        hold.set()


async def test_asyncio_timeout_cancels_cleanly(serve: Serve) -> None:
    hold = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/slow":
            await hold.wait()
        return web.json_response(1)

    url = await serve(app_with(handler))
    async with EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await client.request("GET", "/slow")
        assert await client.request("GET", "/fast") == 1
        hold.set()


async def test_a_caller_session_is_never_closed(serve: Serve) -> None:
    url = await serve(app_with(ok))
    async with aiohttp.ClientSession() as session:
        transport = AiohttpTransport(session=session)
        async with EnspaceClient(
            KEY, base_url=url, workspace="w", retry=None, transport=transport
        ) as client:
            await client.request("GET", "/x")
        assert not session.closed
        assert transport.pool_size == 100
        async with session.get(f"{url}/still-open") as response:
            assert response.status == 200


async def test_our_session_is_created_lazily_and_closed() -> None:
    transport = AiohttpTransport()
    assert transport._session is None
    client = EnspaceClient(KEY, workspace="w", transport=transport)
    await client.aclose()
    assert transport._session is None
    with pytest.raises(TransportError, match="closed"):
        await transport.send(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("chunked", [False, True])
async def test_response_size_cap(serve: Serve, chunked: bool) -> None:
    async def big(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=b"x" * 5000)
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(5):
            await response.write(b"x" * 1000)
        await response.write_eof()
        return response

    url = await serve(app_with(big))
    transport = AiohttpTransport(max_response_size=4096)
    async with EnspaceClient(
        KEY, base_url=url, workspace="w", retry=None, transport=transport
    ) as client:
        with pytest.raises(ProtocolError, match="max_response_size"):
            await client.request("GET", "/big")


async def test_chunked_answers_under_the_cap_are_read_whole(serve: Serve) -> None:
    async def chunks(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"[1,")
        await response.write(b"2]")
        await response.write_eof()
        return response

    url = await serve(app_with(chunks))
    async with EnspaceClient(KEY, base_url=url, workspace="w", retry=None) as client:
        assert await client.request("GET", "/c") == [1, 2]


def test_transport_options() -> None:
    assert isinstance(AiohttpTransport(), Transport)
    with pytest.raises(ValueError, match="pool_size"):
        AiohttpTransport(pool_size=0)
    assert AiohttpTransport(pool_size=8).pool_size == 8
    context = ssl.create_default_context()
    assert AiohttpTransport(ssl=context)._ssl is context
    assert AiohttpTransport()._ssl is True


async def test_tls_verification_is_on_by_default(serve: Serve, tmp_path: object) -> None:
    # A plain-HTTP server spoken to over https fails the TLS handshake: a ConnectError, never
    # a silent downgrade.
    url = await serve(app_with(ok))
    https = url.replace("http://", "https://")
    async with EnspaceClient(KEY, base_url=https, workspace="w", retry=None) as client:
        with pytest.raises(ConnectError):
            await client.request("GET", "/x")
