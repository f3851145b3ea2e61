"""The default transport, on aiohttp: the only module of the client that imports aiohttp.

Each request is sent and its body read inside one ``async with``, so no aiohttp object ever
leaves this module: a cancelled or failed call always hands its connection back to the pool.
Every aiohttp and socket failure is mapped here, once, to the ``TransportError`` family.
"""

from __future__ import annotations

import functools
import ssl as ssl_module
from pathlib import Path

import aiohttp

from .._errors import ConnectError, ProtocolError, RequestTimeout, TLSError, TransportError
from .._http import Request, Response, Timeout

__all__ = ["AiohttpTransport"]

DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024


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
        max_response_size: the largest body accepted, in bytes; ``None`` for no cap.
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
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self._session = session
        self._owns_session = session is None
        self._pool_size = pool_size
        self._pool_size_per_host = pool_size_per_host
        self._keepalive_timeout = keepalive_timeout
        self._ssl: ssl_module.SSLContext | bool = (
            ssl_module.create_default_context(cafile=str(ca_bundle)) if ca_bundle else ssl
        )
        self._proxy = proxy
        self._trust_env = trust_env
        self._max_response_size = max_response_size
        self._closed = False

    @property
    def pool_size(self) -> int:
        """The most requests this transport can have on the wire at once."""
        if self._session is not None and not self._owns_session:
            limit = self._session.connector.limit if self._session.connector else 0
            return limit or 1_000_000
        return self._pool_size

    def _client_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise TransportError("the transport is closed")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=self._pool_size_per_host,
                keepalive_timeout=self._keepalive_timeout,
                ssl=self._ssl,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=self._trust_env,
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
            )
            # aiohttp silently resends GET/PUT/DELETE once when a reused connection drops.
            # Our retry middleware owns every resend (it counts attempts, spends the retry
            # budget and knows a resent DELETE may answer 404), so the hidden one is turned
            # off, as aiohttp's own test client does. A session passed in is left as it is.
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False
        return self._session

    async def send(self, request: Request) -> Response:
        """Send ``request`` and read the whole response."""
        session = self._client_session()
        method, path = request.method, request.url.path
        try:
            async with session.request(
                method,
                request.url,
                headers=request.headers,
                data=request.content,
                timeout=_client_timeout(request.timeout),
                allow_redirects=False,
                proxy=self._proxy,
            ) as response:
                content = await self._read(response, request)
                return Response(
                    status=response.status,
                    headers=dict(response.headers),
                    content=content,
                    request=request,
                )
        except TransportError:
            raise
        except aiohttp.ConnectionTimeoutError as exc:
            raise RequestTimeout(
                "timed out connecting", method=method, path=path, sent=False
            ) from exc
        except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise RequestTimeout(
                "timed out waiting for the response", method=method, path=path
            ) from exc
        except (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch) as exc:
            raise TLSError(f"TLS failed: {_tls_reason(exc)}", method=method, path=path) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(f"cannot connect: {exc.os_error}", method=method, path=path) from exc
        except aiohttp.ClientPayloadError as exc:
            raise ProtocolError("response body was cut short", method=method, path=path) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise ProtocolError(_describe(exc), method=method, path=path) from exc

    async def _read(self, response: aiohttp.ClientResponse, request: Request) -> bytes:
        cap = self._max_response_size
        length = response.content_length
        if cap is None or (length is not None and length <= cap):
            return await response.read()
        if length is not None:
            raise _too_large(request, cap)
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
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()


@functools.lru_cache(maxsize=64)
def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=timeout.total, connect=timeout.connect, sock_read=timeout.read
    )


def _too_large(request: Request, cap: int) -> ProtocolError:
    return ProtocolError(
        f"response body is larger than max_response_size ({cap} bytes)",
        method=request.method,
        path=request.url.path,
    )


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
    return f"connection failed: {type(exc).__name__}"
