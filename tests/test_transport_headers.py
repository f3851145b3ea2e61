"""Headers and limits as the transport hands them over, on its cheaper per-request path.

The response side runs over a raw socket server on 127.0.0.1 (it writes the header block
byte for byte: mixed case, a name twice), the timeout side over a threaded http.server, so
every timer on the test's loop is the client's own.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import aiohttp
import pytest
from aiohttp import client_proto, http_parser
from multidict import CIMultiDict
from resilience_servers import http_server_in_threads
from yarl import URL

from enspace_async import (
    EnspaceClient,
    OriginalError,
    ProtocolError,
    Request,
    RequestTimeout,
    Timeout,
)
from enspace_async.transports import AiohttpTransport

HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"X-Twice: first\r\n"
    b"Content-Type: application/json\r\n"
    b"x-twice: second\r\n"
    b"X-RateLimit-Remaining: 7\r\n"
    b"Content-Length: 2\r\n"
    b"\r\n{}"
)


Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(answer: Answer) -> AsyncIterator[URL]:
    """A raw socket server on 127.0.0.1 calling ``answer`` for each connection; its URL."""
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:  # closed, and waited for, on the way out
        yield URL(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/x")


def traced_session(on_request_end: Callable[..., Awaitable[None]]) -> aiohttp.ClientSession:
    """A session calling ``on_request_end`` once aiohttp has read a response's headers."""
    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return aiohttp.ClientSession(trace_configs=[trace])


@pytest.fixture
async def raw_url() -> AsyncIterator[URL]:
    """A server answering every request on a connection with ``HEAD`` (keep-alive)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(HEAD)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async with raw_server(answer) as url:
        yield url


async def test_response_names_are_lower_case_and_a_repeated_name_keeps_its_first_value(
    raw_url: URL,
) -> None:
    transport = AiohttpTransport()
    try:
        for _ in range(2):  # a new connection, then the same one kept alive
            async with asyncio.timeout(5):
                response = await transport.send(Request("GET", raw_url))
            assert list(response.headers.items()) == [
                ("x-twice", "first"),
                ("content-type", "application/json"),
                ("x-ratelimit-remaining", "7"),
                ("content-length", "2"),
            ]
            assert all(type(name) is str for name in response.headers)
            assert response.content == b"{}"
            # Passed on as it is: a copy for another request converts nothing and loses nothing.
            assert response.answering(response.request).headers is response.headers
    finally:
        await transport.aclose()


def test_request_headers_given_as_any_mapping_are_lower_cased_copies() -> None:
    url = URL("http://127.0.0.1/x")
    mixed = {"X-Api-Key": "k", "Accept": "application/json"}
    assert dict(Request("GET", url, mixed).headers) == {
        "x-api-key": "k",
        "accept": "application/json",
    }
    plain = {"x-api-key": "k", "accept": "application/json"}
    request = Request("GET", url, plain)
    plain["accept"] = "text/plain"  # the caller's dict, changed after: the request keeps its own
    assert request.headers == {"x-api-key": "k", "accept": "application/json"}
    assert request.headers is not plain
    # A multidict's repeated name keeps its last value, whatever the case of its names.
    twice = CIMultiDict([("x-a", "1"), ("x-a", "2")])
    assert dict(Request("GET", url, twice).headers) == {"x-a": "2"}
    assert dict(Request("GET", url, CIMultiDict([("X-A", "1"), ("x-a", "2")])).headers) == {
        "x-a": "2"
    }


def test_a_request_without_a_timeout_has_the_default_limits() -> None:
    request = Request("GET", URL("http://127.0.0.1/x"))
    assert request.timeout == Timeout()
    assert (request.timeout.total, request.timeout.connect, request.timeout.read) == (60, 10, None)


LAG = 0.3  # how long /lag takes to answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path == "/lag":
            time.sleep(LAG)  # in the server's own thread: a slow server, not a test wait
        body = b"{}"
        try:
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first, as it should

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def url() -> Iterator[URL]:
    with http_server_in_threads(_Handler) as base:
        yield URL(base)


async def test_one_transport_keeps_each_requests_own_limits_when_they_alternate(url: URL) -> None:
    """The transport remembers the limits of the last Timeout it sent with: a different one
    must get its own, and the first its own again."""
    short = Timeout(total=None, read=LAG / 3)
    long = Timeout(total=5, read=None)
    transport = AiohttpTransport()
    try:
        async with asyncio.timeout(10):
            for timeout, times_out in ((short, True), (long, False), (short, True)):
                request = Request("GET", url / "lag", timeout=timeout)
                if times_out:
                    with pytest.raises(RequestTimeout, match="waiting for the response"):
                        await transport.send(request)
                else:
                    assert (await transport.send(request)).status == 200
    finally:
        await transport.aclose()


KEY = "en.TransportHeadersKey0123456789abcd"
KEYED_CHUNK = KEY.encode() + b"\r\nxx\r\n0\r\n\r\n"  # a chunk-size line that is the key


async def by_send(transport: AiohttpTransport, url: URL) -> None:
    await transport.send(Request("GET", url, {"x-api-key": KEY}))


async def by_client(transport: AiohttpTransport, url: URL) -> None:
    base = str(url.origin())
    client = EnspaceClient(KEY, base_url=base, workspace="w", transport=transport, retry=None)
    async with client:
        await client.request("GET", url.path)


@asynccontextmanager
async def chunked_then(
    later: bytes, *, stays: bool = False
) -> AsyncIterator[tuple[AiohttpTransport, URL]]:
    """A raw server answering a chunked body whose first chunk is good and whose ``later``
    bytes follow once aiohttp has read the headers (a parser failing on them fails after the
    response began), then closes, or ``stays`` until the client hangs up; and a transport on a
    session that says when the headers were read. Everything inside must end within 5 s: a
    hang fails there."""
    headers_read = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[1\r\n")
        await writer.drain()
        await headers_read.wait()
        writer.write(later)
        await writer.drain()
        if stays:
            await reader.read()  # until the client hangs up
        writer.close()

    async def on_request_end(*_: object) -> None:  # aiohttp has read the response's headers
        headers_read.set()

    async with (
        raw_server(answer) as url,
        traced_session(on_request_end) as session,
        asyncio.timeout(5),
    ):
        yield AiohttpTransport(session=session), url
    assert headers_read.is_set()


@pytest.mark.parametrize("through", ["send", "client"])
async def test_a_key_echoed_in_the_body_is_redacted_from_the_error(
    monkeypatch: pytest.MonkeyPatch, through: str
) -> None:
    """The key sent is redacted from an error raised while the body is read, after the
    response's own headers were parsed (they must not stand in for the headers sent): from
    ``send`` with the key in the request, and from the client, whose key only the headers
    handed to ``send_keyed`` hold.

    aiohttp's own pure-Python parser (the one it runs without its C extensions) quotes a bad
    chunk-size line; for its C parser, see the test of a malformed later chunk below.
    """
    monkeypatch.setattr(client_proto, "HttpResponseParser", http_parser.HttpResponseParserPy)
    async with chunked_then(KEYED_CHUNK) as (transport, url):
        with pytest.raises(ProtocolError, match="malformed response body") as caught:
            await (by_send if through == "send" else by_client)(transport, url)
    original = caught.value.__cause__
    assert isinstance(original, OriginalError)
    assert "[redacted]" in str(original)
    assert KEY not in str(original)


@pytest.mark.parametrize("through", ["send", "client"])
@pytest.mark.parametrize("then", ["stays", "closes"])
async def test_a_malformed_later_chunk_fails_at_once_with_aiohttps_own_parser(
    through: str, then: str
) -> None:
    """aiohttp's C parser (the one it runs by default, as of 3.14) fails the connection on a
    bad chunk-size line that comes after the first chunk but leaves the body's reader waiting:
    without a total timeout, forever, even once the connection is closed. The transport fails
    that read itself, with the parser's error, at once; the key it quotes is redacted."""
    unlimited = unlimited_send if through == "send" else unlimited_client
    async with chunked_then(KEYED_CHUNK, stays=then == "stays") as (transport, url):
        with pytest.raises(ProtocolError, match="malformed response body") as caught:
            await unlimited(transport, url)
    original = caught.value.__cause__
    assert isinstance(original, OriginalError)
    assert KEY not in str(original)
    assert KEY not in str(caught.value)


async def unlimited_send(transport: AiohttpTransport, url: URL) -> None:
    await transport.send(Request("GET", url, {"x-api-key": KEY}, timeout=Timeout.of(None)))


async def unlimited_client(transport: AiohttpTransport, url: URL) -> None:
    base = str(url.origin())
    client = EnspaceClient(KEY, base_url=base, transport=transport, retry=None, timeout=None)
    async with client:
        await client.request("GET", url.path, workspace_scoped=False)


async def test_watching_a_body_leaves_no_error_unretrieved_when_the_connection_dies_later() -> None:
    """A body still coming when the headers are read is watched through its connection's
    ``closed`` future, which aiohttp then makes; if that connection is later reset, idle in
    the pool, nobody awaits the future's error: asyncio must not log it as never retrieved."""
    headers_read, answered, reset = asyncio.Event(), asyncio.Event(), asyncio.Event()
    body = b"[" + b"1," * 5000 + b"1]"

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answered.is_set():  # a second connection: a small answer, then the end
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            await writer.drain()
            writer.close()
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        await writer.drain()
        await headers_read.wait()
        writer.write(body)
        await writer.drain()
        await answered.wait()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # a reset, with linger 0

    async def on_request_end(_: object, __: object, params: Any) -> None:
        if headers_read.is_set():
            return
        headers_read.set()
        closed = params.response.connection.protocol.closed
        closed.add_done_callback(lambda _: reset.set())  # (retrieves nothing)

    unretrieved: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: unretrieved.append(context))
    try:
        async with (
            raw_server(answer) as url,
            traced_session(on_request_end) as session,
            asyncio.timeout(5),
        ):
            transport = AiohttpTransport(session=session)
            assert (await transport.send(Request("GET", url))).content == body
            answered.set()
            await reset.wait()  # the idle connection was reset, its future given the error
            # The next request drops the dead connection from the pool, and with it the future.
            assert (await transport.send(Request("GET", url))).content == b"{}"
            gc.collect()
    finally:
        loop.set_exception_handler(None)
    assert not [c for c in unretrieved if "never retrieved" in c.get("message", "")]


LATER = {
    "data longer than its size": b"4\r\n,2,3XX\r\n0\r\n\r\n",
    "a bad chunk extension": b"4;\x00=\r\n,2,3\r\n0\r\n\r\n",
    "a chunk size too large": b"ffffffffffffffffffff\r\n,2,3\r\n0\r\n\r\n",
    "a bad trailer": b"0\r\nbad trailer line\r\n\r\n",
}


@pytest.mark.parametrize("later", LATER.values(), ids=list(LATER))
async def test_every_malformed_later_chunk_fails_at_once(later: bytes) -> None:
    """The same for other malformations after a good first chunk (each waited forever without
    a total timeout before the transport failed the read itself)."""
    async with chunked_then(later, stays=True) as (transport, url):
        with pytest.raises(ProtocolError, match="malformed response body"):
            await unlimited_send(transport, url)
