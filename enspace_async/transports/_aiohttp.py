"""The default transport, on aiohttp: the only module of the client that imports aiohttp.

Each request is sent and its body read inside one ``async with``, so no aiohttp object ever
leaves this module: a cancelled or failed call always hands its connection back to the pool.
Every aiohttp and socket failure is mapped here, once, to the ``TransportError`` family.
"""

from __future__ import annotations

import asyncio
import functools
import ssl as ssl_module
from collections.abc import Callable, Mapping
from pathlib import Path

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError
from multidict import CIMultiDictProxy
from yarl import URL

from .._config import expect, seconds, whole
from .._errors import (
    ConfigurationError,
    ConnectError,
    OriginalError,
    ProtocolError,
    RequestTimeout,
    TLSError,
    TransportError,
    scrub,
)
from .._http import SECRET_HEADERS, Request, Response, Timeout, _Lowered
from ._deadlines import Deadlines

__all__ = ["AiohttpTransport"]

DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
_NO_AGENT = ("User-Agent",)  # a request without one is sent without one, not with aiohttp's


class AiohttpTransport:
    """Send requests with an :class:`aiohttp.ClientSession`.

    Args:
        session: a session of yours to use; it is never closed by the SDK. Without it the
            transport creates its own, lazily, inside the running event loop.
        pool_size: the most connections open at once (our own session only).
        pool_size_per_host: the most connections to one host; 0 means no separate limit.
        keepalive_timeout: seconds an idle connection stays open.
        ssl: an :class:`ssl.SSLContext`, or ``True`` to verify with the system's CAs.
            Verification is on unless you pass ``False`` yourself.
        ca_bundle: a PEM file of CAs to verify with instead of the system's.
        proxy: an HTTP proxy URL for every request.
        trust_env: read proxy settings and ``.netrc`` from the environment.
        max_response_size: the largest body accepted, in bytes once decoded (a compressed
            body is counted as it inflates, and reading stops at the cap); ``None`` for no cap.
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        pool_size: int = 100,
        pool_size_per_host: int = 0,
        keepalive_timeout: float = 30.0,
        ssl: ssl_module.SSLContext | bool = True,
        ca_bundle: str | Path | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        max_response_size: int | None = DEFAULT_MAX_RESPONSE_SIZE,
    ):
        ours = session is None or isinstance(session, aiohttp.ClientSession)
        expect("session", session, ours, "an aiohttp.ClientSession or None")
        self._session = session
        self._owns_session = session is None
        self._pool_size = whole("pool_size", pool_size, 1)
        self._pool_size_per_host = whole("pool_size_per_host", pool_size_per_host, 0)
        self._keepalive_timeout = seconds("keepalive_timeout", keepalive_timeout)
        expect("ssl", ssl, isinstance(ssl, ssl_module.SSLContext | bool), "an SSLContext or a bool")
        self._ssl: ssl_module.SSLContext | bool = _context(ca_bundle) if ca_bundle else ssl
        self._proxy = _proxy(proxy)
        # A proxy's password is a secret too: redacted from error texts like the key.
        self._secrets = [URL(proxy).password or ""] if proxy else []
        expect("trust_env", trust_env, isinstance(trust_env, bool), "True or False")
        self._trust_env = trust_env
        cap = max_response_size
        self._max_response_size = None if cap is None else whole("max_response_size", cap, 1)
        self._closed = False
        self._guard: asyncio.Task[None] | None = None
        self._deadlines = Deadlines()
        # The ClientTimeout of the Timeout last sent: the same one, nearly always.
        self._timeouts: tuple[Timeout, aiohttp.ClientTimeout] | None = None

    @property
    def pool_size(self) -> int:
        """The most requests this transport can have on the wire at once."""
        if self._session is not None and not self._owns_session:
            limit = self._session.connector.limit if self._session.connector else 0
            return limit or 1_000_000
        return self._pool_size

    async def _client_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is not None and not (self._owns_session and session.closed):
            return session
        if self._closed:
            raise TransportError("the transport is closed")
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=self._pool_size_per_host,
            keepalive_timeout=self._keepalive_timeout,
            ssl=self._ssl,
        )
        session = self._session = aiohttp.ClientSession(
            connector=connector,
            trust_env=self._trust_env,
            auto_decompress=True,
        )
        # aiohttp silently resends GET/PUT/DELETE once when a reused connection drops.
        # Our retry middleware owns every resend (it counts attempts, spends the retry
        # budget and knows a resent DELETE may answer 404), so the hidden one is turned
        # off, as aiohttp's own test client does. A session passed in is left as it is.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        self._guard = _guard(session)
        # A task cancelled before its first step never runs its finally: let the guard
        # start, so closing the client right after a call that never yielded (a mocked
        # aiohttp, say) still closes the session.
        await asyncio.sleep(0)
        return session

    async def send(self, request: Request) -> Response:
        """Send ``request`` and read the whole response."""
        return await self.send_keyed(request)

    async def send_keyed(
        self, request: Request, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Send ``request`` with ``headers`` on the wire instead of its own (``None``: its
        own), and read the whole response, which answers ``request``: the client's
        authentication adds the API key there, so that no request it hands back holds the key
        (and it builds no copy of the request to send)."""
        session = self._session
        if session is None or (self._owns_session and session.closed):
            session = await self._client_session()
        if headers is None:
            headers = request.headers
        timeout, deadlines, timeouts = request.timeout, self._deadlines, self._timeouts
        if timeouts is None or timeouts[0] is not timeout:
            timeouts = self._timeouts = (timeout, _client_timeout(timeout))
        total = timeout.total
        task = None if total is None else asyncio.current_task()
        if task is not None and total is not None:
            deadlines.add(task, total)
        try:
            async with session.request(
                request.method,
                request.url,
                headers=headers,
                data=request.content,
                timeout=timeouts[1],
                allow_redirects=False,
                proxy=self._proxy,
                # aiohttp adds its own User-Agent to a request without one; skipping it for
                # every request would cost each a copy of its headers (and an exception).
                skip_auto_headers=None if "user-agent" in headers else _NO_AGENT,
            ) as response:
                # Not ``headers``: those sent, which hold the key the errors below redact.
                received = _headers(response.headers)
                unwatch = _watch(response)
                try:
                    if self._whole(received, request):
                        content = await response.read()
                    else:
                        content = await self._counted(response, request)
                finally:
                    if unwatch is not None:
                        unwatch()
                return Response(response.status, received, content, request)
        except asyncio.CancelledError:
            if task is None or not deadlines.finish(task) or task.cancelling():
                raise
            error = _mapped(TimeoutError(), request, headers, self._secrets)
        except (aiohttp.ClientError, HttpProcessingError, OSError, TimeoutError) as exc:
            error = _mapped(exc, request, headers, self._secrets)
        finally:
            if task is not None:
                deadlines.finish(task)
        # Raised here, outside the except block, so that aiohttp's exception is not even the
        # __context__: it holds the request headers, the key among them.
        raise error

    def _whole(self, headers: Mapping[str, str], request: Request) -> bool:
        """Whether the body may be read whole (no cap, or a Content-Length within it); if not,
        it is counted as it comes. Raises the size error if its Content-Length is over the cap.
        """
        cap = self._max_response_size
        if cap is None:
            return True
        length = headers.get("content-length")
        # Content-Length counts the bytes on the wire: with a Content-Encoding, a 1 MB body can
        # inflate to 1 GB, so then only the decoded bytes counted chunk by chunk can be trusted.
        if length is None or headers.get("content-encoding"):
            return False
        if int(length) > cap:  # aiohttp's parser has checked it is a number
            raise _too_large(request, cap)
        return True

    async def _counted(self, response: aiohttp.ClientResponse, request: Request) -> bytes:
        cap = self._max_response_size
        assert cap is not None  # _whole reads an uncapped body whole
        chunks, size = [], 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > cap:
                raise _too_large(request, cap)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close our own session (a session passed in is left open)."""
        self._closed = True
        self._session, guard, self._guard = None, self._guard, None
        # Our session lives as long as its guard; once the guard's loop has closed, the
        # session was closed with it (or can no longer be: its sockets belong to that loop).
        if guard is not None and not guard.get_loop().is_closed():
            guard.cancel()
            await asyncio.wait([guard])


# The guards of our sessions: the event loop holds tasks only weakly.
_GUARDS: set[asyncio.Task[None]] = set()


def _guard(session: aiohttp.ClientSession) -> asyncio.Task[None]:
    """Start the task that closes ``session`` when cancelled: by ``aclose()``, or by
    ``asyncio.run()`` (any :class:`asyncio.Runner`), which cancels every task left before it
    closes its loop. So a session is closed in its own loop even if nobody closes the client,
    and no unclosed session, connector or socket is left for the garbage collector to warn of.
    """
    task = asyncio.get_running_loop().create_task(_close_when_cancelled(session))
    _GUARDS.add(task)
    task.add_done_callback(_GUARDS.discard)
    return task


async def _close_when_cancelled(session: aiohttp.ClientSession) -> None:
    try:
        await asyncio.get_running_loop().create_future()  # until cancelled
    finally:
        await session.close()


def _watch(response: aiohttp.ClientResponse) -> Callable[[], None] | None:
    """Make the connection's closing fail the read of a body that is not complete yet;
    return how to stop, or ``None`` if there is nothing to watch (a small body comes whole).

    aiohttp's C parser (as of 3.14), meeting a malformed chunk after the first, closes the
    connection and keeps the error on its protocol, but never tells the body's reader: the
    read waits for the total timeout, and without one forever, the peer long gone.
    """
    reader = response.content
    if reader.is_eof():
        return None
    connection = response.connection
    protocol = None if connection is None else connection.protocol
    if protocol is None:
        return None

    def fail(_: object = None) -> None:
        if not reader.is_eof() and reader.exception() is None:
            error = protocol.exception()  # the parser's, if it failed
            reader.set_exception(error or aiohttp.ClientPayloadError("connection closed"))

    closed = protocol.closed
    if closed is None:  # lost before anybody asked
        fail()
        return None
    closed.remove_done_callback(_retrieve)  # (once per connection)
    closed.add_done_callback(_retrieve)
    closed.add_done_callback(fail)

    def unwatch() -> None:
        closed.remove_done_callback(fail)

    return unwatch


def _retrieve(closed: asyncio.Future[None]) -> None:
    # aiohttp sets an error on this future if the connection is lost with one: we had it
    # made, nobody else may await it, and asyncio logs an error never retrieved.
    if not closed.cancelled():
        closed.exception()


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    # No total: Deadlines keeps it, with one timer per transport rather than one per request.
    return aiohttp.ClientTimeout(total=None, connect=timeout.connect, sock_read=timeout.read)


def _headers(headers: CIMultiDictProxy[str]) -> Mapping[str, str]:
    """The response's headers, names in lower case, in one pass; a repeated name keeps its
    first value (``dict()`` of a multidict does the same)."""
    names = _Lowered()
    for name, value in headers.items():  # a loop: cheaper than a comprehension then a copy
        names[name.lower()] = value
    if len(names) < len(headers):  # a repeated name, so the loop kept its last value
        for name in names:
            names[name] = headers[name]
    return names


def _too_large(request: Request, cap: int) -> ProtocolError:
    return ProtocolError(
        f"response body is larger than max_response_size ({cap} bytes)",
        method=request.method,
        path=request.url.path,
    )


def _mapped(
    exc: BaseException, request: Request, headers: Mapping[str, str], secrets: list[str]
) -> TransportError:
    """The SDK error for an aiohttp or socket failure, chained to a scrubbed description."""
    kind, message, sent = _classify(exc)
    error = kind(message, method=request.method, path=request.url.path, sent=sent)
    error.__cause__ = OriginalError.of(exc, _original_message(exc))
    # aiohttp's messages may quote a malformed header line, and a server may echo the key.
    sent_secrets = [value for name, value in headers.items() if name in SECRET_HEADERS]
    scrub(error, sent_secrets + secrets)
    return error


def _context(ca_bundle: object) -> ssl_module.SSLContext:
    expect("ca_bundle", ca_bundle, isinstance(ca_bundle, str | Path), "a path to a PEM file")
    try:
        return ssl_module.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl_module.SSLError) as exc:
        error = ConfigurationError(f"ca_bundle {str(ca_bundle)!r} is no readable PEM file: {exc}")
    raise error


def _proxy(proxy: object) -> str | None:
    # The proxy URL may hold a password: never quoted back.
    if proxy is None:
        return None
    try:
        url = URL(proxy) if isinstance(proxy, str) else None
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.raw_host:
        raise ConfigurationError("proxy must be an http:// or https:// URL")
    return str(proxy)


def _classify(exc: BaseException) -> tuple[type[TransportError], str, bool | None]:
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return RequestTimeout, "timed out connecting", False
    if isinstance(exc, aiohttp.SocketTimeoutError | TimeoutError):
        return RequestTimeout, "timed out waiting for the response", None
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return TLSError, f"TLS failed: {_tls_reason(exc)}", None
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError, f"cannot connect: {exc.os_error}", None
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ProtocolError, "response body was cut short", None
    if isinstance(exc, HttpProcessingError):  # aiohttp's Python parser, reading the body
        return ProtocolError, "malformed response body", None
    return ProtocolError, _describe(exc), None


def _original_message(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientResponseError):
        # Its str() adds the URL (the query may hold filter values) and its request_info
        # holds the headers: keep the status and the parser's message only.
        return f"{exc.status}, message={exc.message!r}"
    return str(exc)


def _tls_reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ServerFingerprintMismatch):
        return "the certificate does not match the expected fingerprint"
    reason = getattr(getattr(exc, "os_error", None), "reason", None)
    return str(reason or type(exc).__name__)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection before answering"
    if isinstance(exc, ConnectionResetError | aiohttp.ClientConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, aiohttp.ClientResponseError) and exc.message:
        # The parser's first line ("Duplicate Content-Length", "Invalid character in chunk size").
        return f"malformed response: {exc.message.splitlines()[0].rstrip(': ')}"
    return f"connection failed: {type(exc).__name__}"
